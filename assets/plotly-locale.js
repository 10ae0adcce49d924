/* Chinese month and day names on Plotly's date axes and hover labels when the page is in
 * Chinese (<html lang="zh-CN">, set per request by dashboard/app.py). Plotly loads after the
 * assets: it registers the locales queued in window.PlotlyLocales when it starts, and the
 * moment it sets window.Plotly (before any chart is drawn) Chinese becomes its default. */
(function () {
  if (!(document.documentElement.lang || "").toLowerCase().startsWith("zh")) {
    return;
  }
  var locale = {
    moduleType: "locale",
    name: "zh-CN",
    dictionary: {},
    format: {
      days: ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
      shortDays: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
      months: ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月",
        "十一月", "十二月"],
      shortMonths: ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月",
        "11月", "12月"],
      date: "%Y-%m-%d",
      year: "%Y年",
      month: "%Y年%-m月",
      dayMonth: "%-m月%-d日",
      dayMonthYear: "%Y年%-m月%-d日",
    },
  };
  function chinese(plotly) {
    if (plotly && plotly.setPlotConfig) {
      plotly.setPlotConfig({ locale: "zh-CN" });
    }
  }
  if (window.Plotly && window.Plotly.register) {
    window.Plotly.register(locale);
    chinese(window.Plotly);
    return;
  }
  window.PlotlyLocales = window.PlotlyLocales || [];
  window.PlotlyLocales.push(locale);
  var plotly;
  Object.defineProperty(window, "Plotly", {
    configurable: true,
    enumerable: true,
    get: function () {
      return plotly;
    },
    set: function (value) {
      plotly = value;
      chinese(value);
    },
  });
})();
