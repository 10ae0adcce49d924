"""Component ids of 试算统计 (/plan/trials), and the columns of its two grids: the page and the
callbacks (grid and Excel export) share them, and callbacks may not import the page."""

from dashboard import format

DATES = "plan-tr-dates"
BUILDING = "plan-tr-building"
BAND = "plan-tr-band"
SUMMARY = "plan-tr-summary"
EMPTY = "plan-tr-empty"
LAYOUT_CHART = "plan-tr-layout-chart"
ORIENTATION_CHART = "plan-tr-orientation-chart"
BAND_CHART = "plan-tr-band-chart"
PARITY_CHART = "plan-tr-parity-chart"
BUILDING_CHART = "plan-tr-building-chart"
TOP_GRID = "plan-tr-top-grid"
TOP_EXPORT = "plan-tr-top-export"
TOP_DOWNLOAD = "plan-tr-top-download"
LAYOUT_GRID = "plan-tr-layout-grid"
LAYOUT_EXPORT = "plan-tr-layout-export"
LAYOUT_DOWNLOAD = "plan-tr-layout-download"

BAND_SIZES = (3, 5, 10)


def top_columns() -> list[dict]:
    """试算最多的房间: the unit's state now (认购/签约: sold), its list price, how often it
    was tried."""
    fmt = format.current()
    count = {"type": "numericColumn", "filter": "agNumberColumnFilter", "minWidth": 100}
    return [
        {"field": "unit", "headerName": "房间", "minWidth": 105, "pinned": "left"},
        {"field": "project", "headerName": "项目", "minWidth": 130},
        {"field": "floor", "headerName": "楼层", **count, "minWidth": 80},
        {"field": "layout", "headerName": "户型", "minWidth": 140},
        {"field": "orientation_label", "headerName": "朝向", "minWidth": 85},
        format.number_column("gross_area", "建筑面积", fmt.area_places, minWidth=105),
        format.number_column("list_unit_price", "表价单价", fmt.price_places, minWidth=115),
        format.number_column("list_total", "表价总价", fmt.amount_places, minWidth=135),
        {"field": "status_label", "headerName": "当前状态", "minWidth": 108},
        {"field": "trials", "headerName": "试算次数", **count, "sort": "desc", "minWidth": 128},
        {"field": "saved", "headerName": "保存计划书", **count, "minWidth": 118},
        {"field": "customers", "headerName": "客户数", **count, "minWidth": 95},
    ]


def layout_columns() -> list[dict]:
    """户型试算与认购: interest (trials) against sales (认购) per layout."""
    count = {"type": "numericColumn", "filter": "agNumberColumnFilter", "minWidth": 110}
    return [
        {"field": "project", "headerName": "项目", "minWidth": 120},
        {"field": "layout", "headerName": "户型", "minWidth": 180},
        {"field": "trials", "headerName": "试算次数", **count},
        {"field": "saved", "headerName": "保存计划书", **count},
        {"field": "subscriptions", "headerName": "认购（套）", **count},
        {
            "field": "conversion",
            "headerName": "认购/试算",
            "filter": "agNumberColumnFilter",
            "minWidth": 110,
            **format.grid_number(".1%"),
        },
    ]
