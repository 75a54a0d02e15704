"""The indicator catalogue: every figure of the bulletins that the records (or the programme
ledgers) can produce, in the bulletins' order.

``indicators_sync`` (reporting/services/catalogue.py) writes this into the database; a
definition that differs from the stored current version becomes a new version.
The outcome kinds and their categories and tags are made in reporting/sources.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Placement outcomes (stations.models.EmploymentOutcome) by what they count as.
TRANSFER = ["transfer_within", "transfer_out"]
URBAN_JOBS = ["new_urban_job", "reemployment", "difficulty", "public_welfare", "flexible"]
REEMPLOYED = ["reemployment", "difficulty"]


@dataclass(frozen=True)
class Spec:
    code: str
    section: str
    unit: str
    measure: str
    name_zh_hans: str
    name_en: str
    definition: dict[str, Any]
    description_en: str
    description_zh_hans: str
    at_most_100: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _ledger(code: str, unit: str, zh: str, en: str) -> Spec:
    return Spec(
        code=code,
        section="programmes",
        unit=unit,
        measure="sum",
        name_zh_hans=zh,
        name_en=en,
        definition={"kinds": ["ledger"], "category": [code]},
        description_en=f"Sum of the programme ledger entries for “{en}”.",
        description_zh_hans=f"项目台账中“{zh}”的合计。",
    )


CATALOGUE: list[Spec] = [
    # --- Employment ---------------------------------------------------------------------------
    Spec(
        "new_urban_jobs",
        "employment",
        "persons",
        "distinct",
        "城镇新增就业",
        "new urban jobs",
        {"kinds": ["hire"], "category": URBAN_JOBS},
        "People hired (hired, started or completed placements) with an urban employment "
        "outcome (new job, re-employment, employment difficulty, public welfare post, flexible "
        "employment), counted once a year, by the region of the post, in the month work starts.",
        "录用（已录用、已上岗或已完工）且就业类别为城镇就业（新增岗位、再就业、就业困难人员就业、"
        "公益性岗位、灵活就业）的人数，按岗位所在地区和上岗月份统计，一年内同一人只计一次。",
    ),
    Spec(
        "reemployed",
        "employment",
        "persons",
        "distinct",
        "城镇失业人员再就业",
        "unemployed people re-employed",
        {"kinds": ["hire"], "category": REEMPLOYED},
        "People hired with the outcome re-employment or employment difficulty, once a year.",
        "就业类别为失业人员再就业或就业困难人员就业的录用人数，一年内同一人只计一次。",
    ),
    Spec(
        "difficulty_employed",
        "employment",
        "persons",
        "distinct",
        "就业困难人员实现就业",
        "people with employment difficulties employed",
        {
            "kinds": ["hire"],
            "any": [
                {"category": ["difficulty"]},
                {"category": URBAN_JOBS, "tags_any": ["employment_difficulty"]},
            ],
        },
        "People hired with the outcome employment difficulty, or with an urban outcome while "
        "in the employment-difficulty key group, once a year.",
        "就业类别为就业困难人员就业，或录用时属于就业困难人员群体且为城镇就业的人数，一年内同一人只计一次。",
    ),
    Spec(
        "youth_employed",
        "employment",
        "persons",
        "distinct",
        "高校毕业生等青年就业",
        "young people such as college graduates employed",
        {"kinds": ["hire"], "tags_any": ["youth", "college_graduate"]},
        "People hired who were under 35 when work started or in the college-graduate key "
        "group, once a year.",
        "上岗时未满35周岁或属于高校毕业生群体的录用人数，一年内同一人只计一次。",
    ),
    Spec(
        "graduates_registered",
        "graduates",
        "persons",
        "distinct",
        "离校未就业高校毕业生实名登记",
        "unemployed graduates under real-name registration",
        {"kinds": ["graduate"]},
        "College graduates of the year verified by real name, by region of residence, in the "
        "month of verification (January for those verified before their graduation year).",
        "当年离校、经实名核验的高校毕业生人数，按居住地区和核验月份统计。",
    ),
    Spec(
        "graduates_employed",
        "graduates",
        "persons",
        "distinct",
        "实名登记毕业生已就业",
        "registered graduates employed",
        {"kinds": ["hire"], "tags_all": ["graduate_of_year"]},
        "Hires of graduates under real-name registration in their graduation year, once a year.",
        "实名登记的当年毕业生在当年被录用的人数，一年内同一人只计一次。",
    ),
    # --- Labour transfer ------------------------------------------------------------------
    Spec(
        "labour_transferred",
        "transfer",
        "persons",
        "distinct",
        "农村劳动力转移就业",
        "surplus rural labour transferred",
        {"kinds": ["hire"], "category": TRANSFER},
        "People hired with a labour-transfer outcome (within or out of the province), by "
        "their region of residence, once a year.",
        "就业类别为省内或省外转移就业的录用人数，按户籍居住地区统计，一年内同一人只计一次。",
    ),
    Spec(
        "labour_income",
        "transfer",
        "yuan",
        "sum",
        "劳务收入",
        "labour income of transferred labour",
        {"kinds": ["wage"], "category": TRANSFER},
        "Wages paid for labour-transfer placements, in the month paid.",
        "转移就业岗位已支付的工资合计，按支付月份统计。",
    ),
    Spec(
        "poverty_labour_transferred",
        "transfer",
        "persons",
        "distinct",
        "脱贫劳动力转移就业",
        "labour lifted out of poverty transferred",
        {"kinds": ["hire"], "category": TRANSFER, "tags_any": ["lifted_from_poverty"]},
        "Labour-transfer hires of people in the lifted-from-poverty key group, once a year.",
        "脱贫人口群体成员的转移就业录用人数，一年内同一人只计一次。",
    ),
    Spec(
        "poverty_labour_income",
        "transfer",
        "yuan",
        "sum",
        "脱贫劳动力劳务收入",
        "labour income of labour lifted out of poverty",
        {"kinds": ["wage"], "category": TRANSFER, "tags_any": ["lifted_from_poverty"]},
        "Wages paid for labour-transfer placements of people lifted out of poverty.",
        "脱贫人口转移就业岗位已支付的工资合计。",
    ),
    # --- Job fairs -------------------------------------------------------------------------
    Spec(
        "fairs_held",
        "fairs",
        "count",
        "count",
        "线上线下招聘会",
        "online and offline job fairs held",
        {"kinds": ["fair"], "category": ["on_site", "online"]},
        "On-site and online fairs held, in the month they started.",
        "已举办的现场和网络招聘会场次，按开始月份统计。",
    ),
    Spec(
        "special_fairs_held",
        "fairs",
        "count",
        "count",
        "专场招聘会",
        "special job fairs held",
        {"kinds": ["fair"], "category": ["on_site", "online"], "tags_none": ["series_none"]},
        "On-site and online fairs of a special series held.",
        "已举办的专项活动系列现场和网络招聘会场次。",
    ),
    Spec(
        "live_broadcasts",
        "fairs",
        "count",
        "count",
        "直播带岗",
        "live broadcasts held",
        {"kinds": ["fair"], "category": ["live"]},
        "Live-broadcast fairs held.",
        "已举办的直播招聘场次。",
    ),
    Spec(
        "fair_jobs_offered",
        "fairs",
        "count",
        "sum",
        "招聘会提供岗位",
        "jobs offered at fairs",
        {"kinds": ["fair"]},
        "Jobs the employers' booths brought to fairs held (all formats).",
        "已举办招聘会（各种形式）展位提供的岗位数。",
    ),
    Spec(
        "fair_intentions",
        "fairs",
        "persons",
        "distinct",
        "达成初步就业意向",
        "people reaching a preliminary employment intention",
        {"kinds": ["intention"]},
        "People with a preliminary employment intention at a fair, once a year.",
        "在招聘会上达成初步就业意向的人数，一年内同一人只计一次。",
    ),
    Spec(
        "fair_intentions_hired",
        "fairs",
        "persons",
        "distinct",
        "意向转化为录用",
        "intentions converted to hires",
        {"kinds": ["intention_hired"]},
        "People whose fair intention became a hire, in the month it did, once a year.",
        "招聘会意向转化为录用的人数，按转化月份统计，一年内同一人只计一次。",
    ),
    Spec(
        "veteran_fairs_held",
        "fairs",
        "count",
        "count",
        "退役军人及军属专场招聘会",
        "special fairs for retired military and families",
        {"kinds": ["fair"], "tags_all": ["series_retired_military"]},
        "Fairs of the retired-military series held (all formats).",
        "已举办的退役军人及军属专场招聘会场次。",
    ),
    Spec(
        "veteran_fair_jobs_offered",
        "fairs",
        "count",
        "sum",
        "退役军人专场提供岗位",
        "jobs offered at fairs for retired military",
        {"kinds": ["fair"], "tags_all": ["series_retired_military"]},
        "Jobs offered at fairs of the retired-military series.",
        "退役军人及军属专场招聘会提供的岗位数。",
    ),
    Spec(
        "veteran_fair_intentions",
        "fairs",
        "persons",
        "distinct",
        "退役军人专场达成意向",
        "intentions at fairs for retired military",
        {"kinds": ["intention"], "tags_all": ["series_retired_military"]},
        "People reaching an intention at fairs of the retired-military series, once a year.",
        "在退役军人及军属专场招聘会上达成意向的人数，一年内同一人只计一次。",
    ),
    # --- Stations --------------------------------------------------------------------------
    Spec(
        "stations_operating",
        "stations",
        "count",
        "balance",
        "零工市场（驿站）运营",
        "odd-job markets and stations in operation",
        {"kinds": ["station"]},
        "Stations opened less those closed, up to the end of the period.",
        "截至期末已开设且未关闭的零工市场和驿站数。",
    ),
    Spec(
        "station_staff",
        "stations",
        "persons",
        "balance",
        "驿站工作人员",
        "staff of the stations",
        {"kinds": ["station_staff"]},
        "Staff members assigned to stations, by the month they were assigned.",
        "驿站配备的工作人员数。",
    ),
    Spec(
        "station_people_served",
        "stations",
        "persons",
        "distinct",
        "驿站服务人数",
        "people served by the stations",
        {"kinds": ["visit", "guidance"]},
        "People who signed in at a station or had a guidance session, once a year.",
        "在驿站签到或接受职业指导的人数，一年内同一人只计一次。",
    ),
    Spec(
        "station_employers_served",
        "stations",
        "count",
        "distinct",
        "驿站服务用工主体",
        "employers served by the stations",
        {"kinds": ["post_opened"]},
        "Employers with a post opened, once a year.",
        "发布并开放岗位的用工主体数，一年内同一主体只计一次。",
    ),
    Spec(
        "posts_openings",
        "stations",
        "count",
        "sum",
        "发布岗位数",
        "openings posted",
        {"kinds": ["post_opened"]},
        "Openings of the posts opened, in the month they opened.",
        "开放岗位的招聘人数合计，按开放月份统计。",
    ),
    # --- 311 -----------------------------------------------------------------------------------
    Spec(
        "services_311",
        "service_311",
        "person_times",
        "count",
        "“311”就业服务",
        "311 services delivered",
        {"kinds": ["service"]},
        "Job pushes, training recommendations and guidance sessions recorded under plans.",
        "服务计划下记录的岗位推送、培训推荐和职业指导次数。",
    ),
    Spec(
        "job_pushes_311",
        "service_311",
        "person_times",
        "count",
        "岗位信息推送",
        "job-information pushes",
        {"kinds": ["service"], "category": ["job_push"]},
        "Job pushes that count for the 311 duty (delivered, naming suitable open posts).",
        "计入“311”服务的岗位信息推送次数。",
    ),
    Spec(
        "plans_opened",
        "service_311",
        "persons",
        "distinct",
        "重点群体服务对象",
        "key-group people with a 311 plan",
        {"kinds": ["plan"]},
        "People whose 311 service plan opened, once a year.",
        "开立“311”服务计划的重点群体人数，一年内同一人只计一次。",
    ),
    Spec(
        "plans_met",
        "service_311",
        "persons",
        "distinct",
        "“311”服务完成",
        "key-group people whose 311 duty is met",
        {"kinds": ["plan_met"]},
        "People whose plan closed with the duty met, in the month it closed, once a year.",
        "服务计划完成“311”服务的人数，按完成月份统计，一年内同一人只计一次。",
    ),
    Spec(
        "duty_met_share",
        "service_311",
        "percent",
        "ratio",
        "“311”服务完成率",
        "share of key-group people whose 311 duty is met",
        {"numerator": "plans_met", "denominator": "plans_opened"},
        "plans_met divided by plans_opened over the same period.",
        "同期“311”服务完成人数除以服务对象人数。",
        at_most_100=True,
    ),
    Spec(
        "training_referrals",
        "training",
        "person_times",
        "count",
        "职业培训推荐",
        "training referrals",
        {"kinds": ["training_referral"]},
        "Referrals to a training course, in the month referred.",
        "推荐参加职业培训的人次，按推荐月份统计。",
    ),
    Spec(
        "training_completions",
        "training",
        "person_times",
        "count",
        "完成培训",
        "training completed",
        {"kinds": ["training_completion"]},
        "Referrals that reached completed, certified or employed.",
        "推荐培训中已结业、取证或就业的人次。",
    ),
    # --- Wage arrears ----------------------------------------------------------------------
    Spec(
        "arrears_cases",
        "arrears",
        "count",
        "count",
        "欠薪案件",
        "wage-arrears cases",
        {"kinds": ["arrears_case"]},
        "Unpaid-wage claims filed, in the month filed.",
        "受理的欠薪投诉案件数，按受理月份统计。",
    ),
    Spec(
        "arrears_workers_helped",
        "arrears",
        "persons",
        "distinct",
        "为劳动者追讨欠薪人数",
        "workers helped to recover wages",
        {"kinds": ["arrears_recovered"]},
        "Workers whose claim closed with an amount recovered, once a year.",
        "欠薪案件结案并追回工资的劳动者人数，一年内同一人只计一次。",
    ),
    Spec(
        "arrears_recovered",
        "arrears",
        "yuan",
        "sum",
        "追回欠薪",
        "unpaid wages recovered",
        {"kinds": ["arrears_recovered"]},
        "Amounts recovered on claims, in the month the claim closed.",
        "结案追回的欠薪金额，按结案月份统计。",
    ),
    # --- Zero-employment families ---------------------------------------------------------
    Spec(
        "zero_families_found",
        "families",
        "households",
        "distinct",
        "新认定零就业家庭",
        "zero-employment families found",
        {"kinds": ["zero_family_found"]},
        "Families found with no member employed, once a year.",
        "新发现的零就业家庭户数，一年内同一户只计一次。",
    ),
    Spec(
        "zero_families_cleared",
        "families",
        "households",
        "distinct",
        "零就业家庭动态清零",
        "zero-employment families cleared",
        {"kinds": ["zero_family_cleared"]},
        "Zero-employment alerts cleared, once a year per family.",
        "零就业家庭实现动态清零的户数，一年内同一户只计一次。",
    ),
    # --- Programme ledgers (entered by the bureau) ------------------------------------------
    _ledger("employment_subsidies", "yuan", "就业补助资金支出", "employment subsidies spent"),
    _ledger(
        "ui_premiums_reduced", "yuan", "降低失业保险费", "unemployment insurance premiums reduced"
    ),
    _ledger("ui_units_reduced", "count", "降费参保单位", "insured units with reduced premiums"),
    _ledger(
        "social_insurance_deferred", "yuan", "缓缴社会保险费", "social insurance premiums deferred"
    ),
    _ledger(
        "social_insurance_deferred_enterprises",
        "count",
        "缓缴参保企业",
        "enterprises with deferred premiums",
    ),
    _ledger("job_stability_refunds", "yuan", "稳岗返还资金", "job stability refunds"),
    _ledger(
        "job_stability_refund_enterprises",
        "count",
        "稳岗返还企业",
        "enterprises receiving job stability refunds",
    ),
    _ledger(
        "job_stability_refund_employees",
        "persons",
        "稳岗返还惠及职工",
        "employees benefiting from job stability refunds",
    ),
    _ledger(
        "retention_subsidies",
        "yuan",
        "一次性扩岗留工补助",
        "one-time employment retention subsidies",
    ),
    _ledger(
        "retention_subsidy_enterprises",
        "count",
        "留工补助企业",
        "enterprises receiving retention subsidies",
    ),
    _ledger(
        "retention_subsidy_employees",
        "persons",
        "留工补助惠及职工",
        "employees benefiting from retention subsidies",
    ),
    _ledger("guarantee_loans", "yuan", "创业担保贷款", "business guarantee loans issued"),
    _ledger(
        "guarantee_loan_people",
        "persons",
        "创业担保贷款扶持人数",
        "people supported by guarantee loans",
    ),
    _ledger(
        "guarantee_loan_enterprises",
        "count",
        "创业担保贷款扶持企业",
        "enterprises supported by guarantee loans",
    ),
    _ledger(
        "rural_workshops",
        "count",
        "乡村就业工厂（帮扶车间）",
        "rural employment factories and workshops",
    ),
    _ledger(
        "rural_workshop_employed",
        "persons",
        "就业工厂吸纳就业",
        "people employed in rural workshops",
    ),
]

SECTIONS = [
    "employment",
    "graduates",
    "transfer",
    "fairs",
    "stations",
    "service_311",
    "training",
    "arrears",
    "families",
    "programmes",
]
