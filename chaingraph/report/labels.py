"""Report labels in Chinese and English: the one place where codes become words.

The analyses return codes (``no_local_firm``, ``sole_flow``, ``large`` …): they
are the library's API and stay as they are in its DataFrames. A report shows
words instead. Three tables do it:

- :data:`TEXT`: section titles, notes, chart titles and other sentences;
- :data:`COLUMNS`: column header → (Chinese, English);
- :data:`VOCABULARIES`: for each kind of code, code → (Chinese, English), and
  :data:`COLUMN_VOCABULARY`, which kind of code a column holds (countries are
  named by :mod:`chaingraph.countries`).

:func:`header` and :func:`label` look words up; a code without an entry is
shown as it is (so a new code shows up, and the report tests catch it).
"""

from __future__ import annotations

from ..countries import country_name

LANGS = ("zh", "en")

TEXT = {
    "zh": {
        "report_title": "产业链诊断报告",
        "generated": "生成时间",
        "region": "聚焦地区",
        "home": "本国（境外以此判断）",
        "template": "产业链图谱",
        "no_region": "未指定（所有境内企业都计为本地企业）",
        "no_region_warning": "未指定聚焦地区：所有境内企业都计为本地企业，本地份额和梯度培育进度因此偏高，"
                             "缺链可能被掩盖。请指定聚焦地区后重新生成报告。",
        "needs_links": "本节需要企业间供需交易数据；本链只有各环节的企业分布（产业链图谱），无法计算。",
        "needs_segments": "本节需要每家企业所属的环节；企业表中没有环节信息，无法计算。",
        "unavailable": "本节无法计算：{reason}",
        "all_firms": "全部企业",
        "rules": "认定规则版本",
        "toc": "目录",
        "summary": "一、产业链概况与图谱",
        "leads": "二、链主企业与生态",
        "weak": "三、薄弱环节与堵点",
        "gaps": "四、缺链断链与补链延链对象",
        "integration": "五、大中小企业融通",
        "resilience": "六、产业链韧性与风险",
        "tiers": "七、梯度培育库",
        "map_title": "产业链图谱：本地覆盖（本地企业数 / 企业总数）",
        "location_chart": "各环节企业构成",
        "lead_chart": "链主指数前十位",
        "severity_chart": "薄弱环节严重程度",
        "integration_chart": "融通指数构成（得分）",
        "esri_chart": "系统性风险指数（ESRI）前十位",
        "tier_chart": "梯度培育：已认定与目标",
        "gap_to_target": "差额",
        "whatif": "情景：{country}来源供应中断",
        "whatif_shock": "{country}来源供应中断：{n:,} 家企业全部停产",
        "whatif_none": "本链没有境外供应来源，不做断供情景。",
        "esri_settings_text": "投入必要性：{essentiality}；可替代性：{replaceability}；权重：{weight}；方法：{method}",
        "esri_subset": "企业数量较多，ESRI 只计算产出最大的 {n:,} 家企业（有营业收入的按营业收入，否则按链内销售与采购中较大者）。",
        "untitled": "产业链",
        "untitled_region": "{region}产业链",
        "no_rows": "（无）",
        "unknown": "未知",
        "not_measurable": "—",
        "score": "融通指数",
        "assortativity": "规模同配系数",
        "lead_rule_default": "大型企业且链主指数不低于最高分的 {relative:g} 倍，或链主指数不低于 {absolute:g}",
        "lead_rule_revenue": "营业收入不低于 {floor:,.0f} 万元（未核查市场占有率证明）",
        "lead_rule_custom": "自定义规则",
        "notes": {
            "leads": "链主指数由规模、网络牵引力、上游生态、供应商依赖、下游覆盖和环节跨度加权合成；权重见下表。",
            "weak": "弱链判定阈值：本地供给份额、供应商集中度（HHI）与境外依赖份额；参数可调。",
            "gaps": "补链对象：已向本地客户供货的外地企业（按金额排序）；延链对象：相邻环节的本地企业。",
            "resilience": "ESRI（Diem 等, 2022）：某企业停产后，经上下游传导损失的网络产出份额。",
            "tiers": "依据规则文件逐项判定；缺少数据的指标记为“未知”，不计为通过。"
                     "企业按距下一层级的差距排序（差距为未达标数值门槛的相对差额）；"
                     "“—”表示未达标的是“是/否”条件，差距无法量化。",
        },
        "names": {
            "totals": "总体情况", "by_segment": "各环节企业", "leads": "链主候选企业",
            "ecosystems": "链主生态（两级供应商与客户）", "weights": "链主指数权重",
            "weak": "薄弱环节", "chokepoints": "堵点企业", "gaps": "缺口与候选企业",
            "components": "融通指数构成", "large firms": "大企业的中小供应商", "mixing": "规模混合矩阵",
            "risk": "系统性风险前列企业", "whatif_summary": "断供情景概况", "whatif_segments": "断供情景：各环节损失",
            "progress": "培育目标进度", "pool": "梯度培育企业", "firms": "企业数", "links": "供需关系数",
            "is_lead": "链主企业数", "rule": "链主判定规则", "what-if": "断供情景", "note": "说明",
            "esri_settings": "ESRI 计算设置",
            "region": "地区", "template": "图谱", "links (rows)": "关系（行）",
            "links (supplier–customer pairs)": "关系（供需对）", "repeated pair rows merged": "合并的重复行",
            "firms added from links": "由关系表补入的企业", "total amount (万元)": "交易总额（万元）",
            "segments": "环节数", "segments with no firm": "无企业环节", "segments with no local firm": "无本地企业环节",
            "firms without segment": "未归环节企业",
            "home": "本国", "presence rows": "企业-环节记录", "aggregates": "国家汇总主体",
        },
        # Excel sheets: (section, list) → name; a section's first list is named after the section
        "sheets": {"leads": "链主清单", "weak": "薄弱环节清单", "weak/chokepoints": "堵点企业清单",
                   "gaps": "缺链清单", "gaps/candidates": "补链延链对象清单",
                   "gaps/attraction": "补链招商清单", "tiers": "梯度培育清单",
                   "integration": "融通指标", "integration/large firms": "大企业中小供应商",
                   "integration/mixing": "规模混合矩阵", "resilience": "风险清单",
                   "resilience/what-if": "断供情景", "summary": "概况"},
    },
    "en": {
        "report_title": "Industry chain report",
        "generated": "Generated",
        "region": "Focus region",
        "home": "Home country (what is foreign)",
        "template": "Chain template",
        "no_region": "none given (every domestic firm counts as local)",
        "no_region_warning": "No focus region: every domestic firm counts as local, which inflates local "
                             "shares and tier progress and may hide gaps. Give one (--region on the command "
                             "line, region= in Python).",
        "rules": "Tier rule versions",
        "all_firms": "all firms",
        "toc": "Contents",
        "summary": "1. Chain summary and map",
        "leads": "2. Lead firms and their ecosystems",
        "weak": "3. Weak links and chokepoints",
        "gaps": "4. Gaps and candidate firms",
        "integration": "5. Integration of small and large firms",
        "resilience": "6. Resilience and systemic risk",
        "tiers": "7. Tier pool",
        "map_title": "Chain map: local coverage (local firms / all firms)",
        "location_chart": "Firms by segment and location",
        "lead_chart": "Top 10 lead scores",
        "severity_chart": "Severity of weak segments",
        "integration_chart": "Integration index by component (points)",
        "esri_chart": "Top 10 systemic risk (ESRI)",
        "tier_chart": "Tier pool: designated against targets",
        "gap_to_target": "gap to target",
        "whatif": "What if supplies from {country} stop",
        "whatif_shock": "supplies from {country} stop: {n:,} firms stop producing",
        "whatif_none": "The chain has no foreign sources: no cut-off scenario.",
        "esri_settings_text": ("inputs: {essentiality}; replaceability: {replaceability}; "
                               "weight: {weight}; method: {method}"),
        "esri_subset": "Large chain: ESRI computed for the {n:,} firms with the largest output (revenue where known, else the larger of network sales and purchases).",
        "untitled": "Industry chain",
        "untitled_region": "Industry chain, {region}",
        "no_rows": "(none)",
        "unknown": "unknown",
        "not_measurable": "—",
        "score": "Integration index",
        "assortativity": "Size-class assortativity",
        "lead_rule_default": "a large firm scoring at least {relative:g} × the top lead score, or any firm "
                             "scoring at least {absolute:g}",
        "lead_rule_revenue": "revenue at least {floor:,.0f} 万元 (CNY 10,000; market-share evidence not checked)",
        "lead_rule_custom": "custom rule",
        "notes": {
            "leads": "The lead score is a weighted sum of scale, network pull, upstream ecosystem, "
                     "supplier dependence, downstream reach and segment span; weights below.",
            "weak": "Weak-link thresholds: local supply share, supplier concentration (HHI) and "
                    "foreign share; all are parameters.",
            "gaps": "Fill candidates: outside firms already supplying local customers (by amount); "
                    "extend candidates: local firms in adjacent segments.",
            "resilience": "ESRI (Diem et al., 2022): the share of network output lost when the firm "
                          "stops, after the shock travels up and down the chain.",
            "tiers": "Criteria checked one by one from the rule files; missing data is 'unknown' and "
                     "never counts as a pass. Firms are listed nearest to their next tier first (the "
                     "distance is how far, relatively, the failing thresholds are missed); '—' means a "
                     "yes/no condition fails, so the distance cannot be measured.",
        },
        "names": {
            "totals": "Totals", "by_segment": "Firms by segment", "leads": "Lead firm candidates",
            "ecosystems": "Lead firms' ecosystems (two tiers)", "weights": "Lead score weights",
            "weak": "Weak segments", "chokepoints": "Chokepoint firms", "gaps": "Gaps and candidate firms",
            "components": "Integration index components", "large firms": "Large firms' SME suppliers",
            "mixing": "Size-class mixing matrix", "risk": "Top systemic-risk firms",
            "whatif_summary": "Cut-off scenario", "whatif_segments": "Cut-off scenario: loss by segment",
            "progress": "Progress to targets", "pool": "Firms in the tier pool", "firms": "firms",
            "links": "links", "is_lead": "lead firms", "rule": "lead rule", "what-if": "what-if",
            "note": "note", "esri_settings": "ESRI settings", "segments": "segments", "home": "home country",
            "total amount (万元)": "total amount (CNY 10,000)",
        },
        "sheets": {"leads": "lead firms", "weak": "weak links", "weak/chokepoints": "chokepoint firms",
                   "gaps": "gaps", "gaps/candidates": "gap candidates",
                   "gaps/attraction": "firms to attract", "tiers": "tier pool",
                   "integration": "integration", "integration/large firms": "large firms",
                   "integration/mixing": "size mixing", "resilience": "risk",
                   "resilience/what-if": "what-if", "summary": "summary"},
    },
}

#: Column headers: column name → (Chinese, English).
COLUMNS: dict[str, tuple[str, str]] = {
    # firms
    "firm_id": ("企业ID", "firm ID"), "name": ("名称", "name"), "firm_name": ("企业名称", "firm name"),
    "segment_id": ("环节ID", "segment ID"), "segment": ("环节", "segment"), "city": ("城市", "city"),
    "province": ("省份", "province"), "country": ("国家/地区", "country"), "size_class": ("规模", "size class"),
    "location": ("区位", "location"), "item": ("项目", "item"), "value": ("取值", "value"),
    "index": ("项目", "item"),
    # lead firms
    "lead_score": ("链主指数", "lead score"), "rank": ("排名", "rank"), "is_lead": ("链主", "lead firm"),
    "scale": ("规模分", "scale"), "pull": ("牵引力", "network pull"), "upstream_firms": ("上游企业", "upstream firms"),
    "upstream_amount": ("上游金额", "upstream amount"),
    "upstream_local_smes": ("本地中小供应商", "local SME suppliers"),
    "dependence": ("供应商依赖", "supplier dependence"), "downstream": ("下游覆盖", "downstream reach"),
    "span": ("环节跨度", "segment span"), "size": ("规模（原始值）", "size (raw)"),
    "sales_share": ("销售份额", "sales share"), "pagerank": ("网络中心度", "PageRank"),
    "n_suppliers_2": ("两级供应商数", "suppliers within 2 tiers"),
    "supplier_amount_2": ("两级供应商金额(万元)", "supplier amount within 2 tiers (CNY 10,000)"),
    "n_local_sme_suppliers_2": ("两级本地中小供应商数", "local SME suppliers within 2 tiers"),
    "supplier_dependence": ("供应商依赖（原始值）", "supplier dependence (raw)"),
    "n_customers_2": ("两级客户数", "customers within 2 tiers"), "n_segments": ("覆盖环节数", "segments covered"),
    "component": ("组成部分", "component"), "weight": ("权重", "weight"), "points": ("得分", "points"),
    "meaning": ("含义", "meaning"),
    # weak links and chokepoints
    "stage": ("阶段", "stage"), "foundation": ("五基类别", "foundation category"),
    "n_firms": ("企业数", "firms"), "n_local": ("本地", "local"), "n_outside": ("外地", "outside"),
    "n_foreign": ("境外", "foreign"), "local_demand": ("本地需求(万元)", "local demand (CNY 10,000)"),
    "local_share": ("本地供给份额", "local share"), "outside_share": ("外地份额", "outside share"),
    "foreign_share": ("境外份额", "foreign share"), "hhi": ("HHI", "HHI"),
    "top_supplier_share": ("最大供应商份额", "top supplier share"), "top_supplier": ("最大供应商ID", "top supplier ID"),
    "top_supplier_name": ("最大供应商", "top supplier"),
    "top_supplier_kind": ("最大供应商类型", "top supplier kind"), "share_known": ("份额已知部分", "share known"),
    "basis": ("份额依据", "basis of the shares"), "dominant_in": ("主导环节", "dominant in"),
    "dominant_share": ("主导份额", "dominant share"), "share": ("份额", "share"),
    "single_sourced": ("单一来源客户数", "single-sourced customers"), "n_chokepoints": ("堵点企业数", "chokepoint firms"),
    "weakness": ("类别", "class"), "reasons": ("原因", "reasons"), "severity": ("严重程度", "severity"),
    "rule": ("判定规则", "rule"), "sole_flows": ("唯一供应流向", "flows supplied alone"),
    "sole_customers": ("单一来源客户数", "single-sourced customers"),
    "sole_amount": ("单一来源金额(万元)", "single-sourced amount (CNY 10,000)"),
    "dominated_firms": ("受支配企业数", "dominated firms"), "dominated_leads": ("受支配链主数", "dominated lead firms"),
    "dominated_amount": ("受支配金额(万元)", "dominated amount (CNY 10,000)"),
    "cut_firms": ("受影响企业数", "firms cut off"), "cut_amount": ("受影响金额(万元)", "amount cut off (CNY 10,000)"),
    # gaps
    "kind": ("缺口类型", "kind"), "to_segment": ("下游环节", "to segment"),
    "candidates": ("补链对象", "fill candidates"), "extend_candidates": ("延链对象", "extend candidates"),
    "role": ("角色", "role"), "amount": ("金额(万元)", "amount (CNY 10,000)"),
    "firm_segment": ("企业所在环节", "firm's segment"),
    # integration
    "n_suppliers": ("供应商数", "suppliers"), "purchases": ("采购额(万元)", "purchases (CNY 10,000)"),
    "sme_supplier_share": ("中小供应商占比", "SME supplier share"),
    "sme_amount_share": ("中小供应商金额占比", "SME amount share"),
    "local_sme_share": ("本地中小供应商占比", "local SME supplier share"),
    "specialised_sme_share": ("专精特新供应商占比", "specialised SME supplier share"),
    "smes_reached": ("两级内中小企业数", "SMEs within 2 tiers"),
    "supplier_size": ("供应商规模", "supplier size"), "customer_size": ("客户规模", "customer size"),
    "large": ("大型", "large"), "medium": ("中型", "medium"), "small": ("小型", "small"), "micro": ("微型", "micro"),
    # resilience
    "esri": ("ESRI", "ESRI"), "esri_downstream": ("ESRI(下游)", "ESRI (downstream)"),
    "esri_upstream": ("ESRI(上游)", "ESRI (upstream)"), "iterations": ("迭代次数", "iterations"),
    "shock": ("冲击", "shock"), "firms_shocked": ("直接受冲击企业", "firms shocked"),
    "firms_hit": ("受冲击企业", "firms hit"), "loss_share": ("产出损失份额", "output loss share"),
    "loss_share_downstream": ("下游损失份额", "loss share (downstream)"),
    "loss_share_upstream": ("上游损失份额", "loss share (upstream)"),
    "local_loss_share": ("本地损失份额", "local loss share"), "weight_lost": ("损失产出(万元)", "output lost (CNY 10,000)"),
    "production_loss": ("产出损失", "output loss"), "method": ("计算方法", "method"),
    # tiers
    "region": ("地区", "region"), "tier": ("可认定层级", "tier"), "tier_possible": ("可能层级", "possible tier"),
    "designation": ("现有称号", "designation"), "next_tier": ("下一层级", "next tier"),
    "next_distance": ("差距", "distance"), "next_missing": ("未达标项", "missing criteria"),
    "next_unknown": ("缺少数据的指标", "criteria without data"),
    "target": ("目标", "target"), "designated": ("已认定", "designated"), "qualifying": ("符合条件", "qualifying"),
    "tier_candidates": ("符合未认定", "qualifying, not designated"), "possible": ("可能符合", "possibly qualifying"),
    "gap": ("差额", "gap to target"), "near_miss": ("接近门槛", "near misses"), "ladder_tier": ("层级", "tier"),
    # summary
    "firms": ("企业数", "firms"), "local": ("本地", "local"), "outside": ("外地", "outside"),
    "foreign": ("境外", "foreign"), "sales": ("销售额(万元)", "sales (CNY 10,000)"),
}

#: Codes by kind: kind → {code → (Chinese, English)}.
VOCABULARIES: dict[str, dict[str, tuple[str, str]]] = {
    "stage": {"upstream": ("上游", "upstream"), "midstream": ("中游", "midstream"),
              "downstream": ("下游", "downstream"), "unknown": ("未知", "unknown"), "other": ("其他", "other")},
    "location": {"local": ("本地", "local"), "outside": ("外地", "outside"), "foreign": ("境外", "foreign")},
    "size_class": {"large": ("大型", "large"), "medium": ("中型", "medium"), "small": ("小型", "small"),
                   "micro": ("微型", "micro"), "unknown": ("未知", "unknown")},
    "weakness": {"missing": ("缺链", "missing"), "weak": ("弱链", "weak"), "foreign": ("卡脖子", "foreign-dependent"),
                 "ok": ("正常", "ok")},
    "reason": {"no_local_firm": ("无本地企业", "no local firm"),
               "foreign_share": ("境外依赖过高", "high foreign share"),
               "local_share": ("本地供给不足", "low local share"),
               "hhi": ("供应过于集中", "concentrated supply"),
               "few_local_firms": ("本地企业过少", "few local firms"),
               "chokepoint": ("有堵点企业", "has a chokepoint firm"),
               "unknown_shares": ("份额未知", "shares unknown"),
               "process_without_providers": ("工艺环节无供应方", "process step without providers")},
    "gap_kind": {"missing": ("空白", "missing"), "no_local": ("缺链", "no local firm"),
                 "broken_link": ("断链", "broken link"), "leakage": ("外流", "leakage")},
    "chokepoint_rule": {"sole_flow": ("必需流向的唯一供应商", "sole supplier of an essential flow"),
                        "dominator": ("链主供应路径的必经企业", "on every supply path of a lead firm"),
                        "dominant_share": ("市场份额占主导", "dominant market share")},
    "provider_kind": {"firm": ("企业", "firm"), "aggregate": ("其余供应方汇总", "aggregate (rest of a country)")},
    "basis": {"links": ("交易数据", "transactions"), "share": ("市场份额", "market shares"),
              "amount": ("金额", "amounts"), "none": ("无", "none")},
    "role": {"fill": ("补链", "fill"), "extend": ("延链", "extend")},
    "foundation": {"零部件": ("基础零部件", "basic components"), "元器件": ("基础元器件", "electronic components"),
                   "软件": ("基础软件", "basic software"), "材料": ("基础材料", "basic materials"),
                   "工艺": ("基础工艺", "basic processes")},
    "lead_component": {"scale": ("规模", "scale"), "pull": ("网络牵引力", "network pull"),
                       "upstream_firms": ("上游企业数", "upstream firms"),
                       "upstream_amount": ("上游采购额", "upstream amount"),
                       "upstream_local_smes": ("本地中小供应商数", "local SME suppliers"),
                       "dependence": ("供应商依赖", "supplier dependence"),
                       "downstream": ("下游覆盖", "downstream reach"), "span": ("环节跨度", "segment span")},
    "integration_component": {
        "sme_purchase_share": ("大企业采购中的中小企业份额", "SME share of large firms' purchases"),
        "large_with_local_sme": ("有本地中小供应商的大企业占比", "large firms with a local SME supplier"),
        "sme_reach": ("两级内与大企业相连的中小企业占比", "SMEs within two tiers of a large firm"),
        "mixing": ("大中小企业混合程度", "size-class mixing")},
    "integration_meaning": {
        "sme_purchase_share": ("大企业采购额中来自中小企业的份额（按金额）",
                               "SME share of large firms' purchases (by amount)"),
        "large_with_local_sme": ("至少有一家本地中小供应商的大企业所占比例",
                                 "share of large firms with at least one local SME supplier"),
        "sme_reach": ("两级供需关系内与大企业相连的中小企业所占比例",
                      "share of SMEs within two tiers of a large firm"),
        "mixing": ("规模混合程度：(1 − 同配系数) / 2", "size-class mixing: (1 − assortativity) / 2")},
    "esri_essentiality": {"linear": ("线性（各项投入均可部分替代）", "linear (every input non-essential)"),
                          "leontief": ("里昂惕夫（各项投入均为必需）", "Leontief (every input essential)"),
                          "template": ("按图谱标注的必需流向", "the template's essential flows"),
                          "matrix": ("投入必要性矩阵", "essentiality matrix")},
    "esri_weight": {"output": ("产出（有营收的取营收，否则取网络内销售与采购中的较大者）",
                               "output (revenue where known, else the larger of network sales "
                               "and purchases)"),
                    "network_sales": ("网络内销售额（原始定义）", "sales in the network (the original definition)"),
                    "column": ("企业表中的“{column}”列", "the firms column '{column}'")},
    "esri_method": {"exact": ("精确不动点", "exact fixed point"),
                    "plain": ("简单迭代，变化小于 {tol:g} 时停止", "plain iteration, stopped at tol {tol:g}")},
    "yes_no": {"True": ("是", "yes"), "False": ("否", "no")},
    "tier": {"innovative": ("创新型中小企业", "innovative SME"), "specialised": ("专精特新", "specialised SME"),
             "little_giant": ("小巨人", "little giant"), "champion": ("单项冠军", "single champion"),
             "lead": ("领航/链主", "lead firm")},
}

#: Which kind of code each column holds; ``"; "``-joined codes are looked up one by one.
COLUMN_VOCABULARY: dict[str, str] = {
    "stage": "stage", "location": "location", "size_class": "size_class", "supplier_size": "size_class",
    "customer_size": "size_class", "weakness": "weakness", "reasons": "reason", "kind": "gap_kind",
    "rule": "chokepoint_rule", "role": "role", "foundation": "foundation", "country": "country",
    "designation": "tier", "tier": "tier", "tier_possible": "tier", "next_tier": "tier", "ladder_tier": "tier",
    "top_supplier_kind": "provider_kind", "basis": "basis",
}


def header(col, lang: str) -> str:
    """The header shown for a column (the name itself when there is no entry)."""
    pair = COLUMNS.get(str(col))
    return str(col) if pair is None else pair[LANGS.index(lang)]


def label(kind: str, code, lang: str):
    """The word for ``code`` of this kind; the code itself when there is no entry.

    Countries (ISO 3166 alpha-2 codes) are named by :func:`chaingraph.countries.country_name`.
    """
    if kind == "country":
        try:
            return country_name(str(code), lang) or code
        except ValueError:  # not an ISO code
            return code
    pair = VOCABULARIES[kind].get(str(code))
    return code if pair is None else pair[LANGS.index(lang)]


def labels(kind: str, codes, lang: str) -> str:
    """``"a; b"`` → ``"word a; word b"`` (an empty or missing value stays as it is)."""
    if not isinstance(codes, str) or not codes:
        return codes
    return "; ".join(str(label(kind, c, lang)) for c in codes.split("; "))


# --------------------------------------------------------------------------- #
# 补链招商清单 (attraction_list in the gaps section): titles, headers and the reasons in words

_ATTRACTION = {
    "zh": {
        "names": {"attraction": "补链招商清单（按综合得分）", "attraction_best": "招商首选",
                  "attraction_weights": "综合得分权重", "attraction_note": "说明", "gaps_closed": "填补缺链",
                  "local_demand_served": "就近供应本地需求", "second_source_amount": "第二来源",
                  "risk_reduction": "降低风险"},
        "reasons": {
            "sep": "；",
            "gaps_closed": "填补缺链（{segment}）",
            "gaps_closed_many": "填补 {gaps} 处缺链（{segment}等）",
            "local_demand_served": "可就近供应本地现从外地采购的需求 {served:,.0f} 万元（占本地需求 {share:.0%}）",
            "share_served": "带来其所在环节的市场份额，合计 {share:.0%}",
            "second_source_amount": "为单一来源采购 {second:,.0f} 万元提供第二来源",
            "risk_reduction": "该环节外地供应中断时，本地损失的产出可少 {risk:.1%}（占本地总产出）",
            "capacity_unknown": "产能（营收或供货额）未知，无法评分",
            "share_unknown": "市场份额未知，无法评分",
            "no_risk": "企业数量较多，补链招商清单未计算风险降低（每个环节一次断供情景），其权重分给其他各项。",
        },
    },
    "en": {
        "names": {"attraction": "Firms to attract (by score)", "attraction_best": "first candidate",
                  "attraction_weights": "score weights", "attraction_note": "note", "gaps_closed": "gaps closed",
                  "local_demand_served": "local demand", "second_source_amount": "second source",
                  "risk_reduction": "risk"},
        "reasons": {
            "sep": "; ",
            "gaps_closed": "fills the gap in {segment}",
            "gaps_closed_many": "fills {gaps} gaps ({segment} and {more} more)",
            "local_demand_served": "could supply {served:,.0f} 万元 of local demand now bought "
                                   "from elsewhere ({share:.0%} of local demand)",
            "share_served": "brings its market shares into the region ({share:.0%}, summed over "
                            "its segments)",
            "second_source_amount": "second source for {second:,.0f} 万元 of single-sourced "
                                    "purchases",
            "risk_reduction": "if the segment's outside suppliers fail, the region loses "
                              "{risk:.1%} less of its output",
            "capacity_unknown": "capacity (revenue or amount) unknown: no score",
            "share_unknown": "market share unknown: no score",
            "no_risk": "Large chain: the attraction list leaves out risk reduction (one cut-off "
                       "scenario per segment); its weight goes to the other parts.",
        },
    },
}
for _lang, _words in _ATTRACTION.items():
    TEXT[_lang]["names"].update(_words["names"])
    TEXT[_lang]["attraction_reasons"] = _words["reasons"]
COLUMNS.update({
    "capacity": ("产能(万元)", "capacity (CNY 10,000)"), "gaps_closed": ("填补缺链数", "gaps closed"),
    "local_demand_served": ("可供本地需求(万元)", "local demand served (CNY 10,000)"),
    "share_served": ("占本地需求份额", "share of local demand"),
    "second_source_amount": ("第二来源金额(万元)", "second-source amount (CNY 10,000)"),
    "risk_reduction": ("风险降低", "risk reduction"), "score": ("综合得分", "score"),
})

# --------------------------------------------------------------------------- #
# 年度变化: the section of changes since a previous chain (build_report(chain, previous=...))

CHANGES = {
    "zh": {
        "title": "八、年度变化（与上一期相比）",
        "note": "企业按企业ID、供需关系按供需双方对应；缺口、堵点、链主和梯度层级按各自分析的结果逐项对比。"
                "层级不确定（部分指标缺数据）时记为“未知”，不记为“不变”。",
        "sheet": "年度变化",
        "compared_with": "对比期",
        "facts": {
            "changes_firms_entered": "新进入企业", "changes_firms_exited": "退出企业",
            "changes_links_gained": "新增供需关系", "changes_links_lost": "中断供需关系",
            "changes_gaps_closed": "补齐的缺口", "changes_gaps_opened": "新出现的缺口",
            "changes_chokepoints_dissolved": "化解的堵点", "changes_chokepoints_new": "新堵点",
            "changes_leads_entered": "新晋链主", "changes_leads_left": "退出链主",
            "changes_tiers_up": "层级上升企业", "changes_tiers_down": "层级下降企业",
            "changes_segments_better": "改善的环节", "changes_segments_worse": "恶化的环节",
        },
        "tables": {
            "change_gaps": "缺口变化", "change_chokepoints": "堵点变化", "change_leads": "链主变化",
            "change_tiers": "梯度层级变化", "change_firms": "进入与退出的企业",
            "change_segments": "环节强弱变化",
        },
    },
    "en": {
        "title": "8. Changes since the previous period",
        "note": "Firms are matched by id, supplier–customer pairs by both ids; gaps, chokepoints, "
                "lead firms and tiers by what each analysis finds in each period. A tier not "
                "known (inputs missing) moves 'unknown', never 'same'.",
        "sheet": "changes",
        "compared_with": "Compared with",
        "facts": {
            "changes_firms_entered": "firms entered", "changes_firms_exited": "firms exited",
            "changes_links_gained": "links gained", "changes_links_lost": "links lost",
            "changes_gaps_closed": "gaps closed", "changes_gaps_opened": "gaps opened",
            "changes_chokepoints_dissolved": "chokepoints dissolved",
            "changes_chokepoints_new": "new chokepoints", "changes_leads_entered": "new lead firms",
            "changes_leads_left": "lead firms no longer", "changes_tiers_up": "firms up a tier",
            "changes_tiers_down": "firms down a tier", "changes_segments_better": "segments better",
            "changes_segments_worse": "segments worse",
        },
        "tables": {
            "change_gaps": "Gaps", "change_chokepoints": "Chokepoints",
            "change_leads": "Lead firms", "change_tiers": "Tier moves",
            "change_firms": "Firms that entered or exited", "change_segments": "Segments",
        },
    },
}
for _lang in LANGS:
    TEXT[_lang]["changes"] = CHANGES[_lang]["title"]
    TEXT[_lang]["notes"]["changes"] = CHANGES[_lang]["note"]
    TEXT[_lang]["sheets"]["changes"] = CHANGES[_lang]["sheet"]
    TEXT[_lang]["names"].update(CHANGES[_lang]["facts"])
    TEXT[_lang]["names"].update(CHANGES[_lang]["tables"])
VOCABULARIES["change"] = {
    "entered": ("新进入", "entered"), "exited": ("退出", "exited"), "stayed": ("保持", "stayed"),
    "left": ("退出", "left"), "gained": ("新增", "gained"), "lost": ("中断", "lost"),
    "changed": ("变化", "changed"), "same": ("不变", "same"), "closed": ("已补齐", "closed"),
    "opened": ("新出现", "opened"), "persisting": ("仍存在", "persisting"),
    "dissolved": ("已化解", "dissolved"), "new": ("新出现", "new"), "up": ("上升", "up"),
    "down": ("下降", "down"), "unknown": ("未知", "unknown"), "better": ("改善", "better"),
    "worse": ("恶化", "worse"),
}
COLUMNS.update({
    "change": ("变化", "change"),
    "severity_before": ("原严重程度", "severity before"), "severity_after": ("现严重程度", "severity after"),
    "rule_before": ("原判定规则", "rule before"), "rule_after": ("现判定规则", "rule after"),
    "cut_amount_before": ("原受影响金额(万元)", "amount cut off before (CNY 10,000)"),
    "cut_amount_after": ("现受影响金额(万元)", "amount cut off after (CNY 10,000)"),
    "rank_before": ("原排名", "rank before"), "rank_after": ("现排名", "rank after"),
    "score_before": ("原链主指数", "lead score before"), "score_after": ("现链主指数", "lead score after"),
    "tier_before": ("原层级", "tier before"), "tier_after": ("现层级", "tier after"),
    "weakness_before": ("原类别", "class before"), "weakness_after": ("现类别", "class after"),
    "local_share_before": ("原本地供给份额", "local share before"),
    "local_share_after": ("现本地供给份额", "local share after"),
})
COLUMN_VOCABULARY.update({
    "change": "change", "weakness_before": "weakness", "weakness_after": "weakness",
    "tier_before": "tier", "tier_after": "tier", "rule_before": "chokepoint_rule",
    "rule_after": "chokepoint_rule",
})
