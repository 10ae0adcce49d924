"""English for 常用功能 (the desktop's favourite screens and the ★ quick menu)."""

EN = {
    "常用功能": "Favourites",
    "建议的常用功能": "Suggested favourites",
    # trailing space: locale/fees.py translates a bare 设置 as "Set here"
    "设置 ": "Settings",
    "设置常用功能": "Choose favourites",
    "设置常用功能…": "Choose favourites…",
    "还没有设置常用功能。下面是为您的角色建议的页面，点击“设置”可调整并保存。": (
        "You have no favourites yet. These pages are suggested for your role; "
        "click Settings to change and save them."
    ),
    "勾选常用的页面（最多 {n} 个），在右侧调整顺序。": (
        "Tick the pages you use most (at most {n}) and set their order on the right."
    ),
    "显示顺序": "Order",
    "尚未选择页面。": "No page chosen.",
    "已选 {n} / {max} 个": "{n} of {max} chosen",
    "上移": "Move up",
    "下移": "Move down",
    "取消": "Cancel",
    "保存": "Save",
}
