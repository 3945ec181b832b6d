"""The report's words in English and Chinese: one table, looked up by key.

`Words(lang)` formats a phrase (`w("verdict", arm="x")`) and names KPIs and units. A key
missing in Chinese falls back to English, so a new KPI never breaks a `--lang zh` report.
"""

from __future__ import annotations

from typing import Any

LANGS = ("en", "zh")

PHRASES: dict[str, tuple[str, str]] = {
    # page and sections
    "title": ("qunsim report: {name}", "qunsim 报告：{name}"),
    "generated": ("Built {date} from the results in {directory}", "生成于 {date}，数据来自 {directory}"),
    "s_question": ("The question", "问题"),
    "s_verdict": ("The verdict", "结论"),
    "s_scenario": ("The scenario in words", "场景说明"),
    "s_world": ("The world (what the operator cannot control)", "外部环境（运营者无法控制的部分）"),
    "s_arms": ("The arms (the strategies compared)", "对比方案（被比较的运营策略）"),
    "s_kpis": ("Every KPI", "全部指标"),
    "s_figures": ("Figures", "图表"),
    "s_sweep": ("Sweeps: how the answer depends on what we do not know", "参数扫描：结论如何随未知条件变化"),
    "s_planning": ("Planning the real test", "规划真实的 A/B 测试"),
    "s_reproduce": ("Reproduce", "复现"),
    "how_to_read": ("How to read it:", "怎么看："),
    "no_question": ("The scenario file gives no description.", "场景文件没有写问题描述。"),
    "not_available": ("Not available: {why}", "无法显示：{why}"),
    # verdict
    "single_arm": ("This run has one arm ({arm}), so there is nothing to compare: the report describes how the community behaves under it.",
                   "本次只运行了一个方案（{arm}），没有可比较的对象：报告描述社群在该方案下的表现。"),
    "computed_here": ("summary.json of these results holds no comparisons (it predates them), so this report computed them with the same paired analysis a run does now.",
                      "该结果的 summary.json 中没有比较结果（早于该功能），本报告用当前运行所用的同一配对分析方法计算了比较结果。"),
    "v_winner": ("{winner} wins on {kpi}: {diff} against {baseline} (95% CI {low} to {high}), better in {win} of replications, at a cost of {cost}{guard}.",
                 "{winner} 在{kpi}上胜出：比 {baseline} {diff}（95% 置信区间 {low} 至 {high}），在 {win} 的重复实验中更好，成本 {cost}{guard}。"),
    "v_noise": ("No arm is distinguishable from {baseline} on {kpi}: the differences are within the noise of {n} replications.",
                "在{kpi}上，没有方案能与 {baseline} 区分开：差异落在 {n} 次重复实验的随机波动之内。"),
    "v_no_winner": ("No arm beats {baseline} on {kpi} without breaking a guardrail or doing worse.",
                    "没有方案能在{kpi}上胜过 {baseline}，而不违反护栏指标或表现更差。"),
    "v_guard_fail": ("No arm wins: {arm} improves {kpi} by {diff} (95% CI {low} to {high}) but breaks a guardrail: {which}.",
                     "没有方案胜出：{arm} 使{kpi}变化 {diff}（95% 置信区间 {low} 至 {high}），但突破了护栏指标：{which}。"),
    "v_worse": ("No arm beats {baseline}: {arms} do(es) significantly worse on {kpi}, and the rest are within the noise.",
                "没有方案胜过 {baseline}：{arms} 在{kpi}上显著更差，其余方案与随机波动无法区分。"),
    "rule_no_rise": ("must not rise", "不得上升"),
    "rule_no_fall": ("must not fall", "不得下降"),
    "rule_max": ("at most {v}", "上限 {v}"),
    "rule_min": ("at least {v}", "下限 {v}"),
    "g_move": ("{kpi} moved by {diff} (95% CI {low} to {high}, Holm-corrected {p})", "{kpi}变化 {diff}（95% 置信区间 {low} 至 {high}，Holm 校正后 {p}）"),
    "g_mean": ("{kpi} mean {mean}", "{kpi}均值 {mean}"),
    "v_guard_ok": (", and every guardrail holds", "，且所有护栏指标均未被突破"),
    "v_guard_bad": (", but guardrails are breached: {which}", "，但护栏指标被突破：{which}"),
    "collapse_risk": ("Risk of collapse: {arms}.", "崩溃风险：{arms}。"),
    "collapse_arm": ("{arm} {p} (95% CI {low}–{high}%, {k} of {n} runs)", "{arm} {p}（95% 置信区间 {low}–{high}%，{n} 次中 {k} 次）"),
    "list_sep": (", ", "；"),
    "collapse_warn": ("{arm}: {k} of {n} runs collapsed — in their last {window} days ads outnumbered conversation, or nobody talked at all.",
                      "{arm}：{n} 次运行中有 {k} 次崩溃——最后 {window} 天里广告多于聊天，或者根本没人说话。"),
    "collapse_bimodal": ("A mean mixes such dead runs with the healthy ones and so describes neither: the outcome is two-sided (most runs fine, a few lost). Read the medians and the 5–95% ranges in the KPI table, and weigh the chance of collapse as a risk of the strategy, not as noise.",
                         "均值把这些“死掉”的运行和健康的运行混在一起，两者都描述不了：结果是两极分化的（多数运行正常，少数彻底失败）。请看指标表中的中位数和 5–95% 区间，并把崩溃概率当作该策略的风险，而不是随机噪声。"),
    "runs_of": ("{k} of {n} runs", "{n} 次中 {k} 次"),
    "arm_line": ("{arm} against {baseline}: {kpi} {arm_mean} vs {base_mean}, a difference of {diff} (95% CI {low} to {high}; {rel} relative).",
                 "{arm} 对比 {baseline}：{kpi} {arm_mean} 对 {base_mean}，差值 {diff}（95% 置信区间 {low} 至 {high}；相对变化 {rel}）。"),
    "arm_wins": ("It did better in {win} of the {n} paired replications; Holm-corrected {p} ({sig}).",
                 "在 {n} 次配对重复实验中有 {win} 更好；Holm 校正后 {p}（{sig}）。"),
    "sig_yes": ("distinguishable from noise", "可与随机波动区分"),
    "sig_no": ("not distinguishable from noise", "无法与随机波动区分"),
    "arm_cost": ("Cost over {days} days: {cost} (baseline {base_cost}).", "{days} 天总成本：{cost}（基线 {base_cost}）。"),
    "guard_all_ok": ("Guardrails: all held.", "护栏指标：全部守住。"),
    "guard_none": ("Guardrails: none set in the scenario.", "护栏指标：场景中未设置。"),
    "guard_breached": ("Guardrail breached: {kpi} ({rule}): {detail}.", "护栏被突破：{kpi}（{rule}）：{detail}。"),
    "guard_held": ("Guardrail held: {kpi} ({rule}): {detail}.", "护栏守住：{kpi}（{rule}）：{detail}。"),
    # scenario in words
    "w_population": ("{size} people could ever join (mean interest in the topic {interest} on a 0-1 scale; a typical person can take about {attention} group messages a day and waits about {patience} days when unhappy before leaving).",
                     "共有 {size} 人可能加入（对话题的平均兴趣 {interest}，0-1 之间；一个典型的人每天大约能看 {attention} 条群消息，不满意时约等 {patience} 天后离开）。"),
    "w_network": ("They are linked by a {kind} social network with {degree} friends per person on average.",
                  "他们之间的社交网络为{kind}，人均 {degree} 个好友。"),
    "w_groups": ("On day 0, {initial} group(s) open with {members} members each. A group holds at most {cap} members; when every group is full, {overflow}.",
                 "第 0 天开设 {initial} 个群，每群 {members} 人。每个群最多 {cap} 人；所有群都满员时，{overflow}。"),
    "overflow_new_group": ("the operator opens a new group", "运营者新开一个群"),
    "overflow_turn_away": ("newcomers are turned away", "新来的人被拒之门外"),
    "w_arrivals": ("About {per_day} people a day arrive from outside channels (posters, Q&A sites, partners), and members invite friends along the network.",
                   "每天约有 {per_day} 人从外部渠道（海报、问答网站、合作方）加入，成员还会沿社交网络邀请好友。"),
    "w_run": ("Each arm runs {days} days, {reps} times (replications); replication r of every arm uses the same random seed, so differences between arms come from the strategy, not from luck.",
              "每个方案模拟 {days} 天，重复 {reps} 次；各方案的第 r 次重复使用相同的随机种子，因此方案间的差异来自策略本身，而不是运气。"),
    "baseline_tag": ("baseline", "基线"),
    "no_levers": ("No levers: the community runs itself.", "不使用任何运营手段：社群自然运行。"),
    "world_diff": ("World differs from the baseline:", "外部环境与基线不同："),
    "levers": ("Levers:", "运营手段："),
    "param": ("parameter", "参数"),
    "value": ("value", "取值"),
    "meaning": ("meaning", "含义"),
    "was": ("baseline: {v}", "基线：{v}"),
    # KPI table
    "kpi": ("KPI", "指标"),
    "unit": ("unit", "单位"),
    "mean_ci": ("mean [95% CI]", "均值 [95% 置信区间]"),
    "median_range": ("median (5–95%)", "中位数（5–95%）"),
    "diff_vs": ("{arm} − {baseline}", "{arm} − {baseline}"),
    "kpi_note": ("Each cell: the mean over replications with its 95% confidence interval, then the median and the range of the middle 90% of replications (5% to 95% quantiles; for a yes/no KPI, how many runs said yes). A mean far from its median means a few runs went very differently. Difference columns are paired by replication (same seeds); ▲/▼ marks a difference that stays distinguishable from noise after Holm's correction for testing many KPIs (green: better, red: worse, grey: neither is better). ★ marks the primary KPI that decides the verdict.",
                 "每格为各次重复的均值及 95% 置信区间，其下为中位数及中间 90% 重复实验的范围（5% 至 95% 分位数；是/否类指标则为结果为“是”的运行次数）。均值远离中位数说明少数运行结果大不相同。差值列按重复实验配对（相同随机种子）；▲/▼ 表示经 Holm 多重比较校正后仍可与随机波动区分的差异（绿色更好，红色更差，灰色无好坏方向）。★ 为决定结论的主要指标。"),
    # figures
    "f_timeseries": ("How the community evolves, day by day", "社群每日变化"),
    "c_timeseries": ("Each line is the median over replications; the dark band holds the middle 50% of replications and the light band 90%. Bands that overlap a lot mean the arms are hard to tell apart on that day.",
                     "每条线是各次重复实验的中位数；深色带覆盖中间 50% 的重复实验，浅色带覆盖 90%。两个方案的色带重叠越多，当天越难区分。"),
    "p_members": ("Members", "成员数"),
    "p_dau": ("Daily active members", "日活跃成员"),
    "p_active_ratio": ("Active ratio (posted in the last 30 days)", "活跃率（近 30 天发过言）"),
    "p_spam_share": ("Spam share of posts", "广告消息占比"),
    "p_cost": ("Cumulative operating cost", "累计运营成本"),
    "y_people": ("people", "人数"),
    "y_posting": ("people who posted that day", "当天发言人数"),
    "y_pct_members": ("% of members", "占成员的百分比"),
    "y_pct_posts": ("% of member posts", "占成员消息的百分比"),
    "y_cum_cost": ("{cur}, cumulative", "{cur}（累计）"),
    "all_zero": ("zero in every arm and replication", "所有方案、所有重复实验中均为零"),
    "day": ("day", "天"),
    "band_note": ("line: median · dark band: middle 50% · light band: 90% of replications",
                  "线：中位数 · 深色带：中间 50% · 浅色带：90% 的重复实验"),
    "f_sizes": ("Members by the size of their group", "成员按所在群规模分布"),
    "c_sizes": ("The share of memberships in groups of each size, day by day (mean over replications). Dunbar's numbers matter here: under ~50 members talk is spontaneous, ~150 is the stable limit, and larger groups need rules and activities.",
                "每天各规模群中的成员占比（各次重复的均值）。邓巴数在这里很重要：50 人以下的群聊天自发，约 150 人是稳定上限，更大的群需要规则和活动。"),
    "size_band": ("group size (members)", "群规模（人）"),
    "groups_end": ("median {n} group(s) at the end", "期末中位数 {n} 个群"),
    "no_extra_cost": ("no arm costs more than the baseline", "没有方案比基线花费更多"),
    "share_members_pct": ("share of memberships (%)", "成员占比（%）"),
    "f_surv_members": ("How long members stay (Kaplan-Meier)", "成员留存时长（Kaplan-Meier 曲线）"),
    "c_surv_members": ("Of the people who joined, the share still in at least one group a given number of days after they first joined; shaded: 95% confidence band. People still in at the end count as long as they were observed (censored). A curve that stays higher keeps members longer.",
                       "在加入过的人中，首次加入若干天后仍在至少一个群里的比例；阴影为 95% 置信带。到模拟结束仍在群中的人只计到观测结束（删失）。曲线越高，成员留得越久。"),
    "x_since_join": ("days since first joining", "首次加入后的天数"),
    "y_still_member": ("still a member (%)", "仍是成员（%）"),
    "f_surv_groups": ("How long groups stay alive (Kaplan-Meier)", "群的存活时长（Kaplan-Meier 曲线）"),
    "c_surv_groups": ("The share of groups still alive a given number of days after they opened. A group is alive while a member posted in it in its last {window} days; groups alive at the end are censored. Shaded: 95% confidence band.",
                      "开群若干天后仍存活的群的比例。若最近 {window} 天内有成员发言，群即算存活；模拟结束时仍存活的群按删失处理。阴影为 95% 置信带。"),
    "x_since_open": ("days since the group opened", "开群后的天数"),
    "y_still_alive": ("still alive (%)", "仍存活（%）"),
    "median_at": ("median {d} days", "中位数 {d} 天"),
    "f_lorenz": ("Who does the talking (Lorenz curve of messages per member)", "谁在说话（成员发言量洛伦兹曲线）"),
    "c_lorenz": ("Members are lined up from the least to the most active; the curve shows the share of all messages written by the least active x%. The diagonal is perfect equality; the further a curve sags below it, the more a few members write everything (Gini coefficient in the legend: 0 = equal, 1 = one person writes all).",
                 "把成员按发言量从少到多排列；曲线表示发言最少的 x% 成员所写消息占全部消息的比例。对角线代表完全平均；曲线越往下弯，说明越是少数人包办了发言（图例中的基尼系数：0 为完全平均，1 为一人包办）。"),
    "x_lorenz": ("members, from least to most active (%)", "成员（按发言量从少到多，%）"),
    "y_lorenz": ("share of all messages (%)", "占全部消息的比例（%）"),
    "equality": ("perfect equality", "完全平均"),
    "gini": ("Gini", "基尼系数"),
    "top10": ("top 10% write {v}", "前 10% 写了 {v}"),
    "f_cascades": ("How far invitations spread (cascade sizes, log-log)", "邀请扩散有多远（邀请链规模，双对数坐标）"),
    "c_cascades": ("A cascade is everyone brought in, directly or down a chain of invitations, by one person who came from an outside channel or the launch. Both axes are logarithmic: a straight, slowly falling line means a few cascades grow very large.",
                   "一条邀请链是由一个从外部渠道或首发加入的人直接或间接邀请来的所有人。两条坐标轴都是对数刻度：直线缓慢下降说明少数邀请链会变得很大。"),
    "x_cascade": ("cascade size (people who joined by invitation)", "邀请链规模（受邀加入的人数）"),
    "y_cascade": ("share of cascades at least this large", "规模不小于该值的邀请链比例"),
    "cascades_n": ("{arm} ({n} cascades)", "{arm}（{n} 条邀请链）"),
    "f_cost": ("What the extra active members cost", "新增活跃成员的成本"),
    "c_cost": ("Each small dot is one replication: extra cost (right) and extra monthly active members (up) against the baseline on the same seed; the large marker is the mean with 95% confidence intervals. Up and to the left is better and cheaper.",
               "每个小点是一次重复实验：与同一随机种子下的基线相比，多花的成本（向右）和多出的月活跃成员（向上）；大标记为均值及 95% 置信区间。越靠左上越好、越省钱。"),
    "x_cost": ("extra cost against the baseline ({cur})", "相对基线多花的成本（{cur}）"),
    "y_cost": ("extra monthly active members", "多出的月活跃成员"),
    "ce_legend": ("arm, against {baseline}", "方案（对比 {baseline}）"),
    "ce_line": ("{arm}: {v} extra active members per 1,000 {cur} (95% CI {low} to {high}).", "{arm}：每 1,000 {cur} 多出 {v} 名活跃成员（95% 置信区间 {low} 至 {high}）。"),
    "ce_free": ("{arm}: {d} active members against the baseline at no extra cost (cost-effectiveness needs a cost).",
                "{arm}：在不增加成本的情况下，活跃成员相对基线变化 {d}（无额外成本，无法计算性价比）。"),
    "no_people": ("this results directory has no people.parquet (it predates per-person records); rerun the scenario to get this figure",
                  "该结果目录没有 people.parquet（早于逐人记录功能）；重新运行场景即可得到此图"),
    "no_cascades": ("no one joined by invitation in any run", "所有运行中都没有人通过邀请加入"),
    "no_groups": ("no group records in these results", "结果中没有群记录"),
    "one_arm_only": ("a single arm: nothing to compare against", "只有一个方案：没有比较对象"),
    # planning
    "plan_intro": ("How many units each arm of a live A/B test would need to detect the simulated effect on {kpi} with 80% power at 5% significance (two-sided):",
                   "真实 A/B 测试中，要以 80% 的统计功效、5% 的显著性水平（双侧）检测出模拟得到的{kpi}效应，每组需要的单位数："),
    "plan_assume": ("Assumptions: the live effect equals the simulated one; a simulated community averages over its groups (members), so one group's (member's) variance is the between-replication variance times the number of groups (members), as if groups (members) behaved independently — real groups influence each other, so treat these as lower bounds.",
                    "假设：真实效应等于模拟效应；一个模拟社群是其各群（各成员）的平均，因此单个群（成员）的方差等于重复实验间方差乘以群数（成员数），即假设群（成员）之间相互独立——真实的群会相互影响，请把这些数字当作下限。"),
    "plan_arm": ("arm", "方案"),
    "plan_effect": ("simulated effect", "模拟效应"),
    "plan_sd": ("between-replication SD", "重复实验间标准差"),
    "plan_comm": ("whole communities", "整个社群"),
    "plan_groups": ("groups", "群"),
    "plan_members": ("members", "成员"),
    "plan_scale": ("{arm} and the baseline: a simulated community had {g} groups and {m} members at the end, on average; the group and member columns scale by these.",
                   "{arm} 与基线：模拟社群期末平均有 {g} 个群、{m} 名成员；“群”和“成员”两列按此换算。"),
    "plan_none": ("The simulated effect is zero, so no test size can detect it.", "模拟效应为零，任何样本量都无法检测。"),
    "plan_noise_note": ("The simulated effect of {arm} is not distinguishable from noise; a test sized on it may chase an effect that is not there.",
                        "{arm} 的模拟效应无法与随机波动区分；按它规划的测试可能是在追逐一个并不存在的效应。"),
    "plan_huge": ("more than 10 million", "超过 1000 万"),
    # reproduce
    "r_intro": ("Same scenario + same seed + same code = the same numbers. To reproduce these results:", "相同场景 + 相同种子 + 相同代码 = 相同结果。复现本结果："),
    "r_command": ("command", "命令"),
    "r_hash": ("config hash", "配置哈希"),
    "r_seed": ("seed", "种子"),
    "r_reps": ("replications × days", "重复次数 × 天数"),
    "r_version": ("qunsim version", "qunsim 版本"),
    "r_date": ("date", "日期"),
    "r_wall": ("wall time", "耗时"),
    "r_rebuild": ("Rebuild this report from the stored results alone: {cmd}", "仅凭已存储的结果重建本报告：{cmd}"),
    # sweeps
    "sw_outcome": ("{kpi} across each swept parameter", "{kpi}随各扫描参数的变化"),
    "c_sw_outcome": ("Each line is an arm: its mean over the runs at each value of the swept parameter, with a 95% band.",
                     "每条线是一个方案在扫描参数各取值下的平均结果，阴影为 95% 置信带。"),
    "sw_heat": ("{kpi}: where each arm wins", "{kpi}：各方案在何处胜出"),
    "c_sw_heat": ("Each cell is one combination of two swept parameters; colour: how much better the best non-baseline arm is than the baseline.",
                  "每个格子是两个扫描参数的一个组合；颜色表示最佳非基线方案比基线好多少。"),
    "sw_sens": ("Which unknowns matter most ({method})", "哪些未知因素影响最大（{method}）"),
    "c_sw_sens": ("Each bar is a world parameter's sensitivity index for {kpi}, with its 95% confidence interval. A long bar means the answer depends strongly on that parameter, so it is worth measuring in the real community.",
                  "每根柱子是一个外部参数对{kpi}的敏感度指数及其 95% 置信区间。柱子越长，结论越依赖该参数，越值得在真实社群中测量。"),
    "sw_robust": ("Robustness: which arm wins across sampled worlds", "稳健性：在各种可能的外部环境中哪个方案胜出"),
    "c_sw_robust": ("Share of sampled worlds in which each arm is best on {kpi}, and its regret (how much it falls short of the best arm in that world: median and worst).",
                    "各方案在多少比例的抽样环境中{kpi}最好，以及其遗憾值（在该环境下与最佳方案的差距：中位数与最差情况）。"),
    "sens_x": ("share of the KPI's variance explained", "可解释的指标方差占比"),
    "sens_x_morris": ("change of {kpi} across the parameter's range", "参数在取值范围内变化时{kpi}的变化"),
    "sw_mean": ("mean {kpi} over worlds", "各环境下{kpi}的均值"),
    "sw_wins": ("worlds won", "胜出的环境占比"),
    "sw_regret_mean": ("mean regret", "平均遗憾值"),
    "sw_regret_max": ("worst regret", "最大遗憾值"),
    "sw_most_robust": ("★ most robust: {arm} has the smallest worst-case regret over the {n} worlds.", "★ 最稳健：{arm} 在 {n} 个环境中的最坏情况遗憾值最小。"),
    "sw_best_arm": ("best arm", "最佳方案"),
    "sw_plus_better": ("+ = better", "正值 = 更好"),
    "sw_where": ("Which arm wins in each sampled world", "每个抽样环境中胜出的方案"),
    "sw_winner": ("winner (worlds)", "胜出方案（环境数）"),
    "sw_headline": ("Across {n} sampled worlds, {arm} is the most robust choice on {kpi}: it wins in {share} of them and its worst-case regret is {regret}.",
                    "在 {n} 个抽样环境中，{arm} 是{kpi}上最稳健的选择：在其中 {share} 的环境中胜出，最坏情况遗憾值为 {regret}。"),
    "sw_headline_one": ("{kpi} depends most on {param} ({index} {v}) across the {n} design points.", "在 {n} 个设计点中，{kpi}最依赖于 {param}（{index} {v}）。"),
    "sw_headline_none": ("A sweep of {n} design points; see the figures for how {kpi} moves with each parameter.", "共 {n} 个设计点的参数扫描；各参数如何影响{kpi}见下方图表。"),
    "sw_pooled": ("Pooled over all {n} sampled worlds (paired by world and replication): {sentence}", "汇总全部 {n} 个抽样环境（按环境与重复实验配对）：{sentence}"),
    "sw_design": ("Design: {design}, {points} points × {arms} arm(s) × {reps} replication(s) = {runs} runs. Varied:", "设计：{design}，{points} 个点 × {arms} 个方案 × {reps} 次重复 = {runs} 次运行。变化的参数："),
    "sw_base": ("Everything not varied is as in the base scenario below.", "未变化的部分与下方基准场景相同。"),
    "sw_figures_pooled": ("In a sweep, the figures below pool every sampled world: the bands show how much outcomes vary across worlds, not only across replications.",
                          "在参数扫描中，下方图表汇总了全部抽样环境：色带反映的是不同环境之间的差异，而不只是重复实验之间的随机波动。"),
    "sw_no_plan": ("Not computed for a sweep: the spread across sampled worlds is not the noise a live test faces; plan from a comparison (`qunsim run`) in the world you believe.",
                   "参数扫描不计算此项：各抽样环境间的差异不是真实测试所面对的随机波动；请在你认为最可信的环境下用对比实验（`qunsim run`）来规划。"),
    "sw_none": ("This is not a sweep: no sweep results in this directory.", "这不是参数扫描：该目录中没有扫描结果。"),
}

KPI_LABELS: dict[str, tuple[str, str]] = {
    "members_final": ("members at the end", "期末成员数"),
    "joined_total": ("people who ever joined", "累计加入人数"),
    "left_total": ("people who left", "离开的人数"),
    "dau_mean": ("daily active members (mean)", "日活跃成员（均值）"),
    "dau_final": ("daily active members (last week)", "日活跃成员（最后一周）"),
    "mau_final": ("monthly active members (end)", "月活跃成员（期末）"),
    "active_ratio_final": ("active ratio (end)", "活跃率（期末）"),
    "messages_total": ("messages written", "消息总数"),
    "spam_share": ("spam share", "广告占比"),
    "silent_share_final": ("silent share (end)", "沉默成员占比（期末）"),
    "muted_share_final": ("muted share (end)", "屏蔽群的成员占比（期末）"),
    "retention_d7": ("7-day retention", "7 日留存率"),
    "retention_d30": ("30-day retention", "30 日留存率"),
    "groups_alive_final": ("groups alive (end)", "存活群数（期末）"),
    "group_lifespan_median_days": ("median group lifespan", "群寿命中位数"),
    "message_gini": ("message inequality (Gini)", "发言不均（基尼系数）"),
    "top1pct_message_share": ("top 1% share of messages", "前 1% 成员的发言占比"),
    "referral_join_share": ("share joining by invitation", "通过邀请加入的占比"),
    "cascade_size_mean": ("mean cascade size", "平均邀请链规模"),
    "cascade_depth_max": ("longest invitation chain", "最长邀请链"),
    "cost_total": ("total cost", "总成本"),
    "cost_per_active_member": ("cost per active member", "每名活跃成员成本"),
    "collapsed": ("collapsed (ads or silence)", "崩溃（广告泛滥或无人说话）"),
}

KPI_MEANINGS_ZH: dict[str, str] = {
    "members_final": "最后一天至少在一个群里的人数",
    "joined_total": "曾经加入过的人数（含第 0 天首发）",
    "left_total": "退出了所有群的人数",
    "dau_mean": "整个模拟期内每天发言人数的均值（不含广告）",
    "dau_final": "最后 7 天每天发言人数的均值",
    "mau_final": "最近 30 天发过言的成员数",
    "active_ratio_final": "月活跃成员 / 期末成员数",
    "messages_total": "成员写的消息数（不含广告）",
    "spam_share": "广告占全部成员消息的比例",
    "silent_share_final": "最近 30 天没有发言的成员比例",
    "muted_share_final": "至少屏蔽了一个所在群的成员比例",
    "retention_d7": "加入 7 天后仍是成员的比例（观测满 7 天的加入者）",
    "retention_d30": "加入 30 天后仍是成员的比例（观测满 30 天的加入者）",
    "groups_alive_final": "最近若干天（存活窗口）内有成员发言的群数",
    "group_lifespan_median_days": "群从开设到最后存活日的天数中位数（仍开着的群计到结束：为下限）",
    "message_gini": "所有加入过的人的发言量基尼系数",
    "top1pct_message_share": "发言最多的前 1% 的人所写消息的占比",
    "referral_join_share": "第 0 天之后的加入者中通过成员邀请加入的比例",
    "cascade_size_mean": "每条邀请链的平均受邀加入人数（至少有一次邀请的链）",
    "cascade_depth_max": "最长的邀请链层数",
    "cost_total": "花费的金钱加上运营人员工时（按时薪折算）",
    "cost_per_active_member": "总成本 / 月活跃成员",
    "collapsed": "最后 7 天广告多于成员聊天消息，或完全没有聊天，则为 1；其在各次运行上的均值即崩溃概率",
}

UNITS_ZH = {"people": "人", "people/day": "人/天", "share": "占比", "messages": "条", "groups": "个",
            "days": "天", "steps": "层", "0-1": "0-1", "yes/no": "是/否", "currency/person": "{cur}/人", "currency": "{cur}"}

NETWORK_KINDS: dict[str, tuple[str, str]] = {
    "clustered_scale_free": ("clustered scale-free (friend circles plus a few very connected people)", "聚类无标度网络（朋友圈加上少数人脉极广的人）"),
    "small_world": ("small-world", "小世界网络"),
    "communities": ("community-structured", "社区结构网络"),
    "holme_kim": ("Holme-Kim scale-free", "Holme-Kim 无标度网络"),
    "edge_list": ("given (edge-list file)", "给定的（边列表文件）"),
}

CURRENCY_ZH = {"CNY": "元", "RMB": "元"}


class Words:
    """Phrases, KPI names and units in one language."""

    def __init__(self, lang: str = "en", currency: str = "CNY"):
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}; choose one of: {', '.join(LANGS)}")
        self.lang = lang
        self.i = LANGS.index(lang)
        self.currency = CURRENCY_ZH.get(currency, currency) if lang == "zh" else currency

    def __call__(self, key: str, **kw: Any) -> str:
        pair = PHRASES[key]
        text = pair[self.i] or pair[0]
        return text.format(**kw) if kw else text

    def kpi(self, name: str) -> str:
        pair = KPI_LABELS.get(name)
        return pair[self.i] if pair else name.replace("_", " ")

    def meaning(self, name: str, english: str) -> str:
        return KPI_MEANINGS_ZH.get(name, english) if self.lang == "zh" else english

    def unit(self, unit: str) -> str:
        if self.lang == "zh":
            return UNITS_ZH.get(unit, unit).format(cur=self.currency)
        return unit.replace("currency", self.currency)

    def network(self, kind: str) -> str:
        pair = NETWORK_KINDS.get(kind)
        return pair[self.i] if pair else kind
