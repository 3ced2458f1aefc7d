"""Report labels in Chinese and English: section titles, column headers, class names."""

from __future__ import annotations

LANGS = ("zh", "en")

TEXT = {
    "zh": {
        "report_title": "产业链诊断报告",
        "generated": "生成时间",
        "region": "聚焦地区",
        "template": "产业链图谱",
        "all_regions": "全部（未指定地区）",
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
        "whatif": "情景：{country} 来源供应中断",
        "whatif_none": "本链没有境外供应来源，不做断供情景。",
        "esri_subset": "企业数量较多，ESRI 只计算销售额最大的 {n} 家企业。",
        "no_rows": "（无）",
        "score": "融通指数",
        "assortativity": "规模同配系数",
        "stages": {"upstream": "上游", "midstream": "中游", "downstream": "下游", "other": "其他"},
        "locations": {"local": "本地", "outside": "省外", "foreign": "境外"},
        "weakness": {"missing": "缺链", "weak": "弱链", "foreign": "卡脖子", "ok": "正常"},
        "gap_kind": {"missing": "空白", "no_local": "缺链", "broken_link": "断链", "leakage": "外流"},
        "tier_names": {"innovative": "创新型中小企业", "specialised": "专精特新", "little_giant": "小巨人",
                       "champion": "单项冠军", "lead": "领航/链主"},
        "notes": {
            "leads": "链主指数由规模、网络牵引力、上游生态、供应商依赖、下游覆盖和环节跨度加权合成；权重见下表。",
            "weak": "弱链判定阈值：本地供给份额、供应商集中度（HHI）与境外依赖份额；参数可调。",
            "gaps": "补链对象：已向本地客户供货的外地企业（按金额排序）；延链对象：相邻环节的本地企业。",
            "resilience": "ESRI（Diem 等, 2022）：某企业停产后，经上下游传导损失的网络产出份额。",
            "tiers": "依据规则文件逐项判定；缺少数据的指标记为“未知”，不计为通过。",
        },
        "names": {
            "totals": "总体情况", "segments": "各环节企业", "leads": "链主候选企业",
            "ecosystems": "链主生态（两级供应商与客户）", "weights": "链主指数权重",
            "weak": "薄弱环节", "chokepoints": "堵点企业", "gaps": "缺口与候选企业",
            "components": "融通指数构成", "large firms": "大企业的中小供应商", "mixing": "规模混合矩阵",
            "risk": "系统性风险前列企业", "whatif_summary": "断供情景概况", "whatif_segments": "断供情景：各环节损失",
            "progress": "培育目标进度", "pool": "梯度培育企业", "firms": "企业数", "links": "供需关系数",
            "is_lead": "链主企业数", "rule": "链主判定规则", "what-if": "断供情景", "note": "说明",
            "region": "地区", "template": "图谱", "links (rows)": "关系（行）",
            "links (supplier–customer pairs)": "关系（供需对）", "repeated pair rows merged": "合并的重复行",
            "firms added from links": "由关系表补入的企业", "total amount (万元)": "交易总额（万元）",
            "segments with no firm": "无企业环节", "segments with no local firm": "无本地企业环节",
            "firms without segment": "未归环节企业",
            "home": "本国", "presence rows": "企业-环节记录", "aggregates": "国家汇总主体",
        },
        "sheets": {"leads": "链主清单", "weak": "薄弱环节清单", "gaps": "缺链清单",
                   "tiers": "梯度培育清单", "integration": "融通指标", "resilience": "风险清单"},
    },
    "en": {
        "report_title": "Industry chain report",
        "generated": "Generated",
        "region": "Focus region",
        "template": "Chain template",
        "all_regions": "all (no region given)",
        "rules": "Tier rule versions",
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
        "whatif": "What if supplies from {country} stop",
        "whatif_none": "The chain has no foreign sources: no cut-off scenario.",
        "esri_subset": "Large chain: ESRI computed for the {n} firms with the largest sales.",
        "no_rows": "(none)",
        "score": "Integration index",
        "assortativity": "Size-class assortativity",
        "stages": {"upstream": "upstream", "midstream": "midstream", "downstream": "downstream",
                   "other": "other"},
        "locations": {"local": "local", "outside": "outside", "foreign": "foreign"},
        "weakness": {"missing": "missing", "weak": "weak", "foreign": "foreign-dependent", "ok": "ok"},
        "gap_kind": {"missing": "missing", "no_local": "no local firm", "broken_link": "broken link",
                     "leakage": "leakage"},
        "tier_names": {"innovative": "innovative SME", "specialised": "specialised SME",
                       "little_giant": "little giant", "champion": "single champion", "lead": "lead firm"},
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
                     "never counts as a pass.",
        },
        "names": {
            "totals": "Totals", "segments": "Firms by segment", "leads": "Lead firm candidates",
            "ecosystems": "Lead firms' ecosystems (two tiers)", "weights": "Lead score weights",
            "weak": "Weak segments", "chokepoints": "Chokepoint firms", "gaps": "Gaps and candidate firms",
            "components": "Integration index components", "large firms": "Large firms' SME suppliers",
            "mixing": "Size-class mixing matrix", "risk": "Top systemic-risk firms",
            "whatif_summary": "Cut-off scenario", "whatif_segments": "Cut-off scenario: loss by segment",
            "progress": "Progress to targets", "pool": "Firms in the tier pool", "firms": "firms",
            "links": "links", "is_lead": "lead firms", "rule": "lead rule", "what-if": "what-if",
            "note": "note",
        },
        "sheets": {"leads": "lead firms", "weak": "weak links", "gaps": "gaps",
                   "tiers": "tier pool", "integration": "integration", "resilience": "risk"},
    },
}

#: Column headers in Chinese; English reports show the column names as they are.
COLUMNS_ZH = {
    "firm_id": "企业ID", "name": "名称", "segment_id": "环节", "segment": "环节", "city": "城市",
    "province": "省份", "country": "国家/地区", "size_class": "规模", "location": "区位",
    "lead_score": "链主指数", "rank": "排名", "is_lead": "链主", "scale": "规模分", "pull": "牵引力",
    "upstream_firms": "上游企业", "upstream_amount": "上游金额", "upstream_local_smes": "本地中小供应商",
    "dependence": "供应商依赖", "downstream": "下游覆盖", "span": "环节跨度",
    "n_suppliers_2": "两级供应商数", "n_local_sme_suppliers_2": "两级本地中小供应商数",
    "stage": "阶段", "foundation": "五基类别", "n_firms": "企业数", "n_local": "本地",
    "n_outside": "省外", "n_foreign": "境外", "local_demand": "本地需求(万元)",
    "local_share": "本地供给份额", "outside_share": "省外份额", "foreign_share": "境外份额",
    "hhi": "HHI", "top_supplier_share": "最大供应商份额", "top_supplier": "最大供应商",
    "single_sourced": "单一来源客户数", "n_chokepoints": "堵点企业数", "weakness": "类别",
    "reasons": "原因", "severity": "严重程度", "rule": "判定规则", "cut_firms": "受影响企业数",
    "cut_amount": "受影响金额(万元)", "kind": "缺口类型", "to_segment": "下游环节",
    "candidates": "补链对象", "extend_candidates": "延链对象", "role": "角色", "amount": "金额(万元)",
    "value": "取值", "weight": "权重", "points": "得分", "meaning": "含义",
    "n_suppliers": "供应商数", "purchases": "采购额(万元)", "sme_supplier_share": "中小供应商占比",
    "sme_amount_share": "中小供应商金额占比", "local_sme_share": "本地中小供应商占比",
    "specialised_sme_share": "专精特新供应商占比", "smes_reached": "两级内中小企业数",
    "esri": "ESRI", "esri_downstream": "ESRI(下游)", "esri_upstream": "ESRI(上游)",
    "iterations": "迭代次数", "tier": "可认定层级", "tier_possible": "可能层级",
    "designation": "现有称号", "next_tier": "下一层级", "next_distance": "差距",
    "next_missing": "未达标项", "target": "目标", "designated": "已认定", "qualifying": "符合条件",
    "possible": "可能符合", "gap": "差额", "near_miss": "接近门槛", "production_loss": "产出损失",
    "firms": "企业数", "local": "本地", "outside": "省外", "foreign": "境外",
    "large": "大型", "medium": "中型", "small": "小型", "micro": "微型", "sales": "销售额(万元)",
    "index": "项目", "firm_name": "企业名称", "n_customers_2": "两级客户数", "n_segments": "覆盖环节数",
    "loss_share": "产出损失份额", "weight_lost": "损失权重", "firms_hit": "受冲击企业",
    "firms_shocked": "直接受冲击企业", "sole_flows": "唯一供应流向", "sole_customers": "单一来源客户数",
    "sole_amount": "单一来源金额(万元)", "dominated_firms": "受支配企业数", "dominated_leads": "受支配链主数",
    "dominated_amount": "受支配金额(万元)", "component": "组成部分", "shock": "冲击",
    "loss_share_downstream": "下游损失份额", "loss_share_upstream": "上游损失份额",
    "local_loss_share": "本地损失份额",
}

# -- 年度变化: the section of changes since a previous chain (build_report(chain, previous=...)).
# Its tables are shown with these words as column headers and status values.
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
        "status": {
            "entered": "新进入", "exited": "退出", "stayed": "保持", "left": "退出",
            "gained": "新增", "lost": "中断", "changed": "变化", "same": "不变",
            "closed": "已补齐", "opened": "新出现", "persisting": "仍存在",
            "dissolved": "已化解", "new": "新出现", "up": "上升", "down": "下降",
            "unknown": "未知", "better": "改善", "worse": "恶化",
        },
        "columns": {
            "firm": "企业", "segment": "环节", "to_segment": "下游环节", "kind": "缺口类型",
            "status": "变化", "severity_before": "原严重程度", "severity_after": "现严重程度",
            "rule_before": "原判定规则", "rule_after": "现判定规则",
            "cut_amount_before": "原受影响金额(万元)", "cut_amount_after": "现受影响金额(万元)",
            "rank_before": "原排名", "rank_after": "现排名", "score_before": "原链主指数",
            "score_after": "现链主指数", "tier_before": "原层级", "tier_after": "现层级",
            "location": "区位", "weakness_before": "原类别", "weakness_after": "现类别",
            "local_share_before": "原本地供给份额", "local_share_after": "现本地供给份额",
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
        "status": {},
        "columns": {"firm": "firm", "segment": "segment"},
    },
}
for _lang in LANGS:
    TEXT[_lang]["changes"] = CHANGES[_lang]["title"]
    TEXT[_lang]["notes"]["changes"] = CHANGES[_lang]["note"]
    TEXT[_lang]["sheets"]["changes"] = CHANGES[_lang]["sheet"]
    TEXT[_lang]["names"].update(CHANGES[_lang]["facts"])
    TEXT[_lang]["names"].update(CHANGES[_lang]["tables"])

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
            "local_demand_served": "可就近供应本地现从外地采购的需求 {served:,.0f} 万元（占本地需求 {share:.0%}）",
            "share_served": "带来该环节 {share:.0%} 的市场份额",
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
            "local_demand_served": "could supply {served:,.0f} 万元 of local demand now bought "
                                   "from elsewhere ({share:.0%} of local demand)",
            "share_served": "brings {share:.0%} of the segment's market into the region",
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
COLUMNS_ZH.update({
    "capacity": "产能(万元)", "gaps_closed": "填补缺链数", "local_demand_served": "可供本地需求(万元)",
    "share_served": "占本地需求份额", "second_source_amount": "第二来源金额(万元)",
    "risk_reduction": "风险降低", "score": "综合得分",
})
