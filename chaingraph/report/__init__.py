"""Chain gap reports (产业链诊断报告) as HTML, Markdown and Excel lists."""

from .build import SECTIONS, Report, Section, build_report

__all__ = ["SECTIONS", "Report", "Section", "build_report"]
