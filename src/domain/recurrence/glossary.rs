//! A bilingual glossary of social-welfare concepts, so that a finding written in Chinese
//! and one written in English about the same gap share terms: 康复 and rehabilitation
//! both add the concept `rehab`. Chinese forms match as substrings; English forms match
//! whole words after stemming (so "subsidies" finds "subsidy"). Pinyin names that workers
//! use in English (dibao, hukou) are listed as English forms.
//!
//! Written for the domain, not for any test set: broad terms of Chinese social policy
//! and casework.

pub struct Concept {
    pub id: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub zh_forms: &'static [&'static str],
    pub en_forms: &'static [&'static str],
}

macro_rules! concepts {
    ($( $id:literal, $zh:literal, $en:literal, [$($z:literal),*], [$($e:literal),*]; )*) => {
        pub const CONCEPTS: &[Concept] = &[
            $( Concept { id: $id, zh: $zh, en: $en, zh_forms: &[$($z),*], en_forms: &[$($e),*] }, )*
        ];
    };
}

concepts! {
    // Money and benefits
    "subsidy", "补贴", "subsidy", ["补贴", "补助", "津贴", "救助金", "资助", "补助金"], ["subsidy", "subsidies", "allowance", "grant", "stipend", "benefit"];
    "allowance_amount", "标准过低", "amount too low", ["标准低", "标准过低", "远低于", "杯水车薪", "不够", "太少", "偏低", "不足以"], ["shortfall", "insufficient", "inadequate", "fraction", "barely", "covers"];
    "cost", "费用", "cost", ["费用", "花费", "开销", "收费", "自费", "开支", "支出"], ["cost", "costs", "fee", "fees", "expense", "expenses", "spending", "pay", "charge"];
    "reimburse", "报销", "reimbursement", ["报销", "报账", "结算"], ["reimburse", "reimbursement", "claim", "settlement"];
    "dibao", "低保", "minimum living guarantee (dibao)", ["低保", "最低生活保障", "低保边缘"], ["dibao", "minimum", "subsistence"];
    "tekun", "特困供养", "extreme poverty support", ["特困"], ["tekun"];
    "temporary_aid", "临时救助", "temporary assistance", ["临时救助", "临时困难"], ["temporary", "emergency"];
    "income", "收入", "income", ["收入", "工资", "家庭收入", "人均"], ["income", "earnings", "wage", "wages", "salary"];
    "means_test", "家庭经济状况核对", "means test", ["核对", "家计", "财产", "存款"], ["means", "assets", "savings", "property"];
    "medical_expense", "医疗支出", "medical spending", ["医疗支出", "医药费", "药费", "医疗费", "看病"], ["medical", "medicine", "medication", "drugs", "treatment"];
    // Eligibility rules
    "age_limit", "年龄限制", "age limit", ["周岁", "岁以下", "岁以上", "年龄", "超龄"], ["age", "aged", "older", "younger", "birthday", "turns", "cut-off", "cutoff"];
    "stop", "停止发放", "stops", ["停止", "截止", "不再", "中断", "停发", "断了", "没有了", "取消"], ["stop", "stops", "stopped", "ends", "end", "cease", "ceases", "cut", "lose", "loses", "lost", "no longer"];
    "hukou", "户籍", "household registration (hukou)", ["户籍", "户口", "本地户籍", "外地户籍", "非本地", "外来"], ["hukou", "registration", "registered", "residence", "resident"];
    "migrant", "流动人口", "migrant", ["流动", "外来务工", "随迁", "外地", "农民工", "新市民"], ["migrant", "migrants", "non-local", "outside"];
    "disability_grade", "残疾等级", "disability grade", ["等级", "一级", "二级", "三级", "四级", "一二级", "三四级", "重度", "轻度", "中度"], ["grade", "grades", "severe", "mild", "moderate"];
    "certificate", "证件", "certificate", ["残疾证", "证明", "证件", "鉴定", "评定"], ["certificate", "certification", "assessment", "assessed"];
    "waiting", "轮候", "waiting list", ["轮候", "排队", "等候", "排号", "等待", "等了", "排在"], ["waiting", "wait", "queue", "waitlist"];
    "application", "申请", "application", ["申请", "材料", "审批", "手续", "办理", "窗口"], ["application", "apply", "applied", "paperwork", "forms", "approval", "documents"];
    // People
    "child", "儿童", "child", ["儿童", "孩子", "小孩", "未成年", "少年", "幼儿", "女儿", "儿子"], ["child", "children", "kid", "kids", "son", "daughter", "minor", "minors", "boy", "girl"];
    "elderly", "老年人", "older people", ["老人", "老年", "高龄", "长者", "老伯", "阿婆", "奶奶", "爷爷"], ["elderly", "older", "pensioner", "grandmother", "grandfather", "aged"];
    "disabled", "残疾人", "disability", ["残疾", "残障", "失能", "瘫痪"], ["disability", "disabled", "disabilities", "impairment", "paralysed"];
    "autism", "孤独症", "autism", ["孤独症", "自闭症", "自闭"], ["autism", "autistic", "asd"];
    "intellectual", "智力障碍", "intellectual disability", ["智力", "智障", "发育迟缓", "脑瘫"], ["intellectual", "developmental", "cerebral", "palsy", "delay"];
    "mental", "精神障碍", "mental illness", ["精神", "精神障碍", "精神分裂", "抑郁", "双相", "心理"], ["mental", "psychiatric", "schizophrenia", "depression", "bipolar", "psychological"];
    "carer", "照护者", "carer", ["照顾者", "照护者", "家属", "照料", "陪护", "看护"], ["carer", "carers", "caregiver", "caregivers", "caring"];
    "parent", "家长", "parent", ["父母", "家长", "母亲", "父亲", "妈妈", "爸爸", "单亲"], ["parent", "parents", "mother", "father", "mum", "single"];
    "left_behind", "留守儿童", "left-behind children", ["留守"], ["left-behind", "behind"];
    "living_alone", "独居", "living alone", ["独居", "空巢", "孤寡", "一个人住"], ["alone", "empty-nest", "solitary"];
    "women", "妇女", "women", ["妇女", "女性"], ["women", "woman", "female"];
    "unemployed", "失业", "unemployed", ["失业", "下岗", "无业", "待业"], ["unemployed", "unemployment", "jobless"];
    // Services
    "rehab", "康复", "rehabilitation", ["康复", "训练", "复健", "干预"], ["rehabilitation", "rehab", "therapy", "therapist", "intervention", "training"];
    "care_home", "养老机构", "care home", ["养老院", "敬老院", "养老机构", "福利院", "护理院", "床位"], ["nursing", "bed", "beds", "residential", "institution"];
    "home_care", "居家养老", "home care", ["居家养老", "上门服务", "居家照护", "助餐", "助浴", "上门"], ["home-care", "homecare", "visits", "visit", "meals"];
    "day_care", "日间照料", "day care", ["日间照料", "日托", "托养"], ["day-care", "daycare", "centre", "center"];
    "respite", "喘息服务", "respite care", ["喘息", "临时托养", "短期托养"], ["respite", "break"];
    "emergency_call", "紧急呼叫", "emergency call", ["呼叫", "一键", "紧急", "报警器", "智能手环", "跌倒"], ["alarm", "pendant", "call", "button", "fall", "falls", "fell"];
    "school", "学校", "school", ["学校", "上学", "就学", "入学", "学位", "学籍", "课堂", "班级", "读书"], ["school", "schools", "schooling", "enrol", "enrolment", "enrollment", "class", "pupil", "pupils", "student", "students"];
    "special_school", "特殊教育", "special education", ["特教", "特殊教育", "培智", "随班就读", "融合教育", "资源教室"], ["special", "inclusive", "inclusion", "sen"];
    "transport", "交通", "transport", ["交通", "接送", "校车", "公交", "车程", "路程", "出行", "路远"], ["transport", "bus", "buses", "commute", "travel", "journey", "ride", "distance"];
    "kindergarten", "幼儿园", "preschool", ["幼儿园", "托育", "托儿所", "学前"], ["kindergarten", "preschool", "nursery", "childcare"];
    "after_school", "课后", "after-school", ["课后", "放学后", "寒暑假", "假期"], ["after-school", "holidays", "holiday", "summer"];
    "hospital", "医院", "hospital", ["医院", "住院", "出院", "门诊", "就诊", "病房"], ["hospital", "hospitalised", "discharge", "discharged", "inpatient", "outpatient", "clinic"];
    "insurance", "医保", "medical insurance", ["医保", "医疗保险", "参保", "社保", "大病保险", "新农合"], ["insurance", "insured", "scheme"];
    "dialysis", "透析", "dialysis", ["透析", "肾病", "尿毒症", "肾衰"], ["dialysis", "kidney", "renal"];
    "chronic", "慢性病", "chronic illness", ["慢性病", "慢病", "癌症", "化疗", "重病", "大病"], ["chronic", "cancer", "chemotherapy", "serious", "illness"];
    "drugs_list", "药品目录", "drug list", ["目录", "药品", "自费药", "进口药"], ["formulary", "catalogue"];
    "out_of_area", "异地", "out of area", ["异地", "外省", "跨省", "老家"], ["out-of-province", "province", "hometown", "elsewhere"];
    "community_follow", "社区随访", "community follow-up", ["随访", "社区康复", "回访", "跟进"], ["follow-up", "followup", "follow", "aftercare"];
    "housing", "住房", "housing", ["住房", "房子", "租房", "房租", "住所", "公租房", "廉租房", "保障房"], ["housing", "flat", "apartment", "rent", "rental", "tenancy", "accommodation"];
    "rent_subsidy", "租赁补贴", "rent subsidy", ["租赁补贴", "租金补贴", "房租补贴"], ["rent-subsidy"];
    "renovation", "改造", "adaptation", ["改造", "无障碍", "扶手", "坡道", "电梯", "楼梯"], ["adaptation", "adaptations", "accessible", "accessibility", "ramp", "lift", "elevator", "stairs", "handrail"];
    "employment", "就业", "employment", ["就业", "工作", "岗位", "上班", "招聘", "用人单位"], ["employment", "job", "jobs", "employer", "employers", "hire", "hiring", "vacancy"];
    "training_job", "职业培训", "vocational training", ["职业培训", "技能培训", "职业技能", "培训"], ["vocational", "skills", "course", "courses"];
    "quota", "按比例安排", "quota", ["按比例", "保障金", "比例"], ["quota", "levy", "proportion"];
    "violence", "家庭暴力", "domestic violence", ["家暴", "家庭暴力", "殴打", "施暴"], ["violence", "abuse", "abusive", "beaten", "beat", "assault", "abuser"];
    "shelter", "庇护", "shelter", ["庇护", "临时安置", "救助站", "安置"], ["shelter", "refuge", "placement"];
    "protection_order", "保护令", "protection order", ["保护令", "告诫书", "报警"], ["police", "injunction"];
    "divorce", "离婚", "divorce", ["离婚", "分居", "抚养权", "抚养费"], ["divorce", "divorced", "custody", "maintenance", "separated"];
    "guardian", "监护", "guardianship", ["监护", "托孤", "事实无人抚养", "孤儿"], ["guardian", "guardianship", "orphan", "orphans", "unsupported"];
    "bureaucracy", "部门推诿", "passed between offices", ["推诿", "两边", "都不管", "来回跑", "踢皮球"], ["bounced", "neither", "offices", "responsibility"];
    "time_delay", "时间太长", "delay", ["太久", "太长", "几个月", "半年", "一年", "拖延", "延迟"], ["months", "delay", "delayed", "slow", "years"];
    "information", "信息", "information", ["不知道", "不了解", "宣传", "告知", "知晓"], ["unaware", "aware", "information"];
    // Specific schemes and services
    "ltc_insurance", "长期护理保险", "long-term care insurance", ["长护险", "长期护理", "失能评估", "护理保险"], ["long-term care", "ltc", "care insurance"];
    "dementia", "认知症", "dementia", ["认知症", "失智", "老年痴呆", "阿尔茨海默"], ["dementia", "alzheimer", "cognitive"];
    "work_injury", "工伤", "work injury", ["工伤", "受伤", "摔伤", "事故"], ["injury", "injured", "accident", "work-injury"];
    "gig_work", "平台灵活就业", "platform work", ["骑手", "外卖", "快递", "平台", "灵活就业", "网约车"], ["gig", "rider", "riders", "delivery", "courier", "platform", "app-based", "self-employed"];
    "job_coach", "就业辅导员", "job coach", ["辅导员", "支持性就业", "就业辅导", "陪同上岗"], ["coach", "coaching", "supported employment", "job coach"];
    "hearing", "听力", "hearing", ["助听器", "听力", "耳蜗", "听障", "聋"], ["hearing", "deaf", "cochlear"];
    "lift_retrofit", "加装电梯", "lift retrofit", ["加装电梯", "电梯", "爬楼", "楼层", "高层", "六楼", "五楼", "七楼"], ["lift", "lifts", "elevator", "walk-up", "stairs", "floor", "storey"];
    "points_system", "积分入学", "points-based admission", ["积分", "入学门槛", "公办学校", "学位"], ["points", "admission", "admissions"];
    "childcare", "托育", "childcare", ["托育", "托儿所", "托班", "婴幼儿", "3岁以下", "三岁以下"], ["childcare", "nursery", "toddler", "infant", "infants", "creche"];
    "orphan_allowance", "孤儿基本生活费", "orphan allowance", ["孤儿", "基本生活费", "事实无人抚养"], ["orphan", "orphans", "unsupported", "de facto"];
    "adulthood", "成年", "turning 18", ["18岁", "十八岁", "成年", "年满18"], ["adult", "adulthood", "eighteen"];
    "rehab_amount", "康复救助标准", "rehabilitation funding level", ["每年", "年度", "额度", "上限", "封顶", "标准"], ["cap", "capped", "ceiling", "annual", "limit", "per year"];
    "age14", "十四岁", "age 14", ["14岁", "十四岁", "14周岁", "满14"], ["fourteen"];
    "grade9", "初中毕业", "after junior secondary", ["初中", "九年级", "义务教育", "毕业", "职高", "高中"], ["junior", "secondary", "graduate", "graduates", "vocational", "compulsory"];
    "accompany", "陪读", "parents made to accompany", ["陪读", "陪同", "家长陪", "陪着上课"], ["accompany", "accompanies", "accompanying", "sit"];
    "temporary_aid_speed", "救助时效", "slow emergency aid", ["审批", "到账", "等了", "急需", "周期"], ["approval", "approved", "paid", "arrive", "arrived", "weeks"];
    "supporters_income", "赡养费", "imputed support from relatives", ["赡养", "子女收入", "赡养费", "扶养"], ["children's income", "adult children", "sons"];
    "waiting_rank", "轮候位次", "place in the queue", ["位次", "排名", "第几", "排位"], ["ranked"];
    "shelter_stay", "庇护期限", "length of shelter stay", ["天数", "最多", "期限", "住满", "7天", "七天", "15天"], ["nights", "maximum", "stay", "days"];
    "apply_where", "属地管理", "where to apply", ["户籍地", "居住地", "回老家", "属地"], ["hometown", "registered", "where"];
    "digital", "线上", "online", ["线上", "手机", "APP", "小程序", "网上", "智能手机"], ["online", "app", "smartphone", "digital", "internet", "phone"];
    // More of the welfare system, in the same broad terms: devices and senses, food,
    // law, care arrangements, insurance schemes, and the groups and events casework meets.
    "assistive_device", "辅助器具", "assistive devices", ["辅具", "辅助器具", "轮椅", "假肢", "矫形器", "助行器", "拐杖", "护理床", "适配"], ["assistive", "device", "devices", "wheelchair", "wheelchairs", "prosthesis", "prosthetic", "prosthetics", "orthosis", "orthotic", "walker", "crutches", "mobility aid"];
    "physical_disability", "肢体残疾", "physical disability", ["肢体", "肢残", "截瘫", "截肢", "偏瘫", "脊髓损伤", "行动不便"], ["physical disability", "amputee", "amputation", "paraplegia", "paraplegic", "tetraplegia", "spinal", "stroke"];
    "vision", "视力残疾", "visual impairment", ["视力", "盲人", "视障", "低视力", "失明", "导盲"], ["blind", "blindness", "visual", "sight", "braille"];
    "meal", "助餐", "meals", ["助餐", "食堂", "送餐", "配餐", "午餐", "营养餐", "吃饭", "用餐"], ["meal", "meals", "canteen", "lunch", "food", "dining"];
    "legal_aid", "法律援助", "legal aid", ["法律援助", "法援", "律师", "诉讼", "法院", "仲裁", "维权"], ["legal aid", "lawyer", "lawyers", "court", "litigation", "arbitration", "lawsuit", "legal"];
    "foster", "家庭寄养", "foster and kinship care", ["寄养", "亲属抚养", "祖父母", "隔代", "外婆", "外公"], ["foster", "fostering", "kinship", "grandparents", "grandmother", "grandfather"];
    "pension", "养老金", "pension", ["养老金", "养老保险", "退休金", "退休工资"], ["pension", "pensions", "retirement"];
    "unemployment_insurance", "失业保险", "unemployment insurance", ["失业保险", "失业金", "失业保险金"], ["unemployment insurance", "unemployment benefit", "jobseeker"];
    "contributions", "缴费", "contributions", ["缴费", "缴纳", "断缴", "补缴", "缴满"], ["contribution", "contributions", "contributory", "paid in"];
    "medical_aid", "医疗救助", "medical assistance", ["医疗救助", "大病救助", "二次报销", "医疗兜底"], ["medical assistance", "medical aid", "catastrophic"];
    "rare_disease", "罕见病", "rare disease", ["罕见病", "特殊医学用途", "特医", "孤儿药"], ["rare disease", "rare diseases", "orphan drug", "special formula"];
    "pregnancy", "怀孕生育", "pregnancy and birth", ["怀孕", "孕妇", "孕期", "生育", "分娩", "产假", "哺乳", "产后"], ["pregnant", "pregnancy", "maternity", "childbirth", "birth", "postnatal", "breastfeeding"];
    "labour_contract", "劳动关系", "employment contract", ["劳动合同", "劳动关系", "用工", "欠薪", "工资拖欠", "劳务"], ["contract", "labour", "labor", "informal", "wage arrears"];
    "crisis", "危机干预", "crisis response", ["危机", "急性发作", "发病", "失控", "自杀", "轻生", "伤人", "肇事"], ["crisis", "acute", "relapse", "suicide", "suicidal", "violent", "episode"];
    "addiction", "戒毒", "addiction", ["戒毒", "吸毒", "酗酒", "成瘾", "赌博"], ["addiction", "addicted", "drug use", "alcohol", "gambling"];
    "homeless", "流浪乞讨", "homelessness", ["流浪", "乞讨", "露宿", "无家可归"], ["homeless", "homelessness", "rough sleeping", "street"];
    "ex_offender", "刑满释放", "leaving prison", ["刑满释放", "社区矫正", "服刑", "出狱", "监狱"], ["prison", "probation", "ex-offender", "released", "custody"];
    "student_aid", "教育资助", "student aid", ["助学金", "学费", "学杂费", "教育救助", "资助", "奖学金", "减免"], ["tuition", "bursary", "scholarship", "school fees", "student aid", "waiver"];
    "exam", "考试", "examinations", ["考试", "中考", "高考", "考场", "报考", "升学考试"], ["exam", "exams", "examination", "gaokao", "zhongkao", "entrance"];
    "home_teaching", "送教上门", "home teaching", ["送教上门", "送教", "居家教育"], ["home teaching", "home tuition", "home-based education", "home schooling"];
    "funeral", "殡葬", "funeral", ["殡葬", "丧葬", "火化", "墓地"], ["funeral", "burial", "cremation"];
    "veteran", "优抚", "veterans", ["优抚", "退役军人", "军属", "烈属"], ["veteran", "veterans", "military"];
    "utilities", "水电燃气", "utilities", ["取暖", "水电", "燃气", "电费", "水费", "暖气"], ["heating", "utilities", "utility", "electricity", "gas"];
    "disaster", "灾害", "disaster", ["灾害", "受灾", "火灾", "洪水", "地震", "台风"], ["disaster", "fire", "flood", "earthquake", "typhoon"];
    "debt", "债务", "debt", ["债务", "欠债", "借钱", "贷款", "负债", "网贷"], ["debt", "debts", "loan", "loans", "borrowed"];
    "ownership", "房屋产权", "home ownership", ["产权", "业主", "自有住房", "房东", "租户", "承租"], ["owner", "owners", "owner-occupier", "tenant", "tenants", "landlord"];
    "care_staff", "护理人员", "care workers", ["护理员", "护工", "保姆", "家政", "服务人员", "养老护理"], ["care worker", "care workers", "care staff", "aide", "nanny", "helper"];
    "disability_allowance", "残疾人两项补贴", "disability allowances", ["两项补贴", "生活补贴", "护理补贴", "重度残疾人护理"], ["living allowance", "care allowance", "attendance allowance"];
    "high_age_allowance", "高龄津贴", "old-age allowance", ["高龄津贴", "高龄补贴", "长寿"], ["longevity", "old-age allowance", "high-age"];
    "rural", "农村", "rural areas", ["农村", "乡镇", "乡下", "村里", "山区", "偏远"], ["rural", "village", "villages", "countryside", "township"];
    "nutrition", "营养", "nutrition", ["营养", "饮食", "膳食", "奶粉"], ["nutrition", "diet", "dietary", "formula", "milk"];
    "trust", "财产信托", "trusts and estate", ["信托", "遗产", "财产管理", "遗嘱"], ["trust", "trusts", "estate", "will", "inheritance"];
}
