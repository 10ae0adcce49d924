"""Component ids of the desktop's 待办提醒 panel (filled by callbacks/desktop_todo.py)."""

PANEL = "desk-todo-panel"
TILE = "desk-todo-{key}"  # one tile per item: desk-todo-follow_ups, desk-todo-overdue, …
