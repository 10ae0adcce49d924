"""English for 试算统计 (/plan/trials): price trials by layout, orientation, floor and unit."""
# ruff: noqa: E501 - a catalogue line holds one whole sentence

EN = {
    # menu and page
    "试算统计": "Price trials",
    "系统自动记录每次试算和保存的置业计划书（按房间、户型、朝向、楼层），为定价和调价提供参考；不含客户姓名。": "Every try-out and every saved purchase plan is counted (by unit, layout, orientation and floor) to inform pricing and price changes; no customer names.",
    "全部楼栋": "All buildings",
    "每 {n} 层一段": "{n} floors a band",
    "楼层段": "Floor band",
    "试算最多的房间（前 20 套）": "Most tried units (top 20)",
    "户型试算与认购": "Trials and subscriptions by layout",
    "认购（套）：期间内新增且有效的认购与签约；认购/试算：关注转为成交的比例。": "Subscriptions: subscriptions and contracts of the period still live; subscriptions ÷ trials: how much interest became sales.",
    # summary and empty state
    "试算 {n} 次": "{n} trials",
    "其中保存计划书 {n} 份": "{n} saved as purchase plans",
    "所选期间没有试算记录": "No price trials in this period",
    "置业顾问在“置业计划书”页面每点一次“试算”或保存一份计划书，系统记录一次；请换一个日期范围或楼栋，或先去试算。": "Each click on Try out or each saved plan on the Purchase plan page counts once; choose other dates or another building, or try a unit first.",
    "去试算": "Try a unit",
    "无权查看该项目的试算统计。": "You may not see this project's price trials.",
    "无权查看": "Not permitted",
    # charts
    "户型：试算次数与认购": "Layouts: trials and subscriptions",
    "试算次数": "Trials",
    "认购（套）": "Subscriptions",
    "认购/试算": "Subscribed ÷ tried",
    "奇偶楼层": "Odd / even floors",
    "奇数层": "Odd floors",
    "偶数层": "Even floors",
    "地下": "Below ground",
    "{low}–{high}层": "Floors {low}–{high}",
    "未设朝向": "No orientation",
    "未设户型": "No layout",
    # grids
    "排名": "Rank",
    "当前状态": "Status now",
    "保存计划书": "Saved plans",
    "试算最多的房间": "Most tried units",
}
