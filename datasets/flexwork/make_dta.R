# Writes flexwork.dta from flexwork.csv: the same values, with Chinese and English variable labels
# and value labels for the categorical variables (levels in the CSV's C-locale order, so both files
# give identical fits in Strata).
# R 4.2.2 with haven 2.5.1 (Debian r-cran-haven). Run from this folder: Rscript make_dta.R
library(haven)

d <- read.csv("flexwork.csv", stringsAsFactors = FALSE, na.strings = "NA")

levels_of <- list(
  region = c("central", "east", "northeast", "west"),
  city_tier = c("tier1", "tier2", "tier3"),
  platform = c("delivery", "express", "livestream", "ridehail", "shop", "taskwork"),
  contract = c("none", "outsourced", "temp_agency", "wage_employee")
)
for (v in names(levels_of)) {
  lv <- levels_of[[v]]
  stopifnot(all(d[[v]] %in% lv))
  d[[v]] <- labelled(as.integer(match(d[[v]], lv)), labels = setNames(seq_along(lv), lv))
}

labels <- c(
  id = "受访者编号 Respondent id",
  region = "地区 Region",
  province = "省份代码（模拟）Province code (simulated)",
  city_tier = "城市等级 City tier",
  stratum = "抽样层 = 地区×城市等级 Stratum = region x city tier",
  psu = "抽样点（初级抽样单位）Sampling point (PSU)",
  n_points = "层内抽样点总数（FPC）Sampling points in stratum (FPC)",
  point_size = "抽样点从业者总数（FPC）Workers in sampling point (FPC)",
  weight = "抽样权数 Sampling weight",
  platform = "平台类型 Platform type",
  female = "女性（1=是）Female (1 = yes)",
  age = "年龄（岁）Age (years)",
  educ = "受教育年限 Years of schooling",
  married = "已婚（1=是）Married (1 = yes)",
  children = "子女数 Number of children",
  migrant = "离开户籍地（1=是）Away from registered residence (1 = yes)",
  income = "月收入（元）Monthly income (yuan)",
  income_cv = "12个月收入变异系数 Income CV over 12 months",
  hours = "周工作小时 Weekly hours",
  tenure = "平台从业年限 Years on platforms",
  burden = "缴费负担=最低缴费/月收入 Contribution burden",
  pilot = "职业伤害保障试点地区（1=是）Injury-cover pilot region",
  contract = "用工形式 Contract type",
  algo_control = "算法控制指数 Algorithmic-control index",
  copay = "平台分担缴费或购买职业伤害保障 Platform co-pays",
  multihome = "多平台接单（1=是）Works on several platforms",
  knowledge = "政策知识得分（0-10）Policy-knowledge score (0-10)",
  know_channel = "知道灵活就业参保渠道 Knows enrolment channel",
  union = "工会或从业者协会会员 Union/association member",
  discount = "年贴现因子 Annual discount factor",
  present_bias = "现时偏好（1=是）Present-biased (1 = yes)",
  risk_aversion = "风险厌恶（0-10）Risk aversion (0-10)",
  trust = "对养老保险制度的信任（1-5）Trust in pensions (1-5)",
  pension = "参加基本养老保险 Basic pension participation",
  medical = "参加医疗保险 Medical insurance participation",
  injury = "有职业伤害保障 Occupational-injury cover",
  months_share = "近12个月缴费月份比例 Share of months contributed",
  willingness = "参保意愿（1-5）Willingness to enrol (1-5)",
  n_schemes = "参加险种数（0-3）Number of schemes held (0-3)"
)
stopifnot(setequal(names(labels), names(d)))
for (v in names(d)) attr(d[[v]], "label") <- labels[[v]]

write_dta(d, "flexwork.dta", version = 15)
