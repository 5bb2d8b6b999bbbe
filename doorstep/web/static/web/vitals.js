/* Vitals trend charts of the health record page (ADR 0028), drawn with the vendored
   Apache ECharts. The page carries the default range as JSON (#vitals-data); the range
   picker's links fetch another range from data-url (they reload the page without script).
   Raw series are lines of readings; downsampled series (mode "day" or "week") are the
   bucket means with a light band from the lowest to the highest reading. General target
   ranges are shaded bands (markArea). */
(function () {
  "use strict";

  var COLOURS = ["#0b5cad", "#b45309"];
  var BANDS = ["rgba(17, 99, 41, 0.10)", "rgba(138, 63, 252, 0.08)"];

  function labels() {
    var box = document.getElementById("vitals");
    return box ? box.dataset : {};
  }

  function bounds(series) {
    var lo = Infinity;
    var hi = -Infinity;
    var raw = series.mode === "raw";
    series.points.forEach(function (p) {
      var values = raw ? p.slice(1) : [p[2], p[3], p[6], p[7]];
      values.forEach(function (v) {
        if (v !== null && v !== undefined) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      });
    });
    series.targets.forEach(function (t) {
      lo = Math.min(lo, t.low);
      hi = Math.max(hi, t.high);
    });
    var pad = (hi - lo) * 0.08 || 1;
    var factor = Math.pow(10, series.decimals);
    return {
      min: Math.floor((lo - pad) * factor) / factor,
      max: Math.ceil((hi + pad) * factor) / factor,
    };
  }

  function targetArea(series, component) {
    var data = series.targets
      .filter(function (t) {
        return t.component === component;
      })
      .map(function (t) {
        return [{ yAxis: t.low, name: t.label }, { yAxis: t.high }];
      });
    if (!data.length) {
      return undefined;
    }
    return {
      silent: true,
      itemStyle: { color: BANDS[component - 1] },
      label: { position: "insideTopLeft", color: "#4a5560", fontSize: 11 },
      data: data,
    };
  }

  function lineSeries(series, component, name) {
    var raw = series.mode === "raw";
    var index = raw ? component : component === 1 ? 1 : 5;
    var points = series.points.map(function (p) {
      return [p[0], p[index]];
    });
    return {
      name: name,
      type: "line",
      data: points,
      showSymbol: points.length <= 90,
      symbolSize: 5,
      lineStyle: { width: 2, color: COLOURS[component - 1] },
      itemStyle: { color: COLOURS[component - 1] },
      markArea: targetArea(series, component),
      z: 3,
    };
  }

  // The lowest-to-highest band of a downsampled series: an invisible base line at the
  // minimum and a stacked area of (maximum - minimum) on top of it.
  function bandSeries(series, component, text) {
    var lo = component === 1 ? 2 : 6;
    var hi = component === 1 ? 3 : 7;
    var stack = "band" + component;
    return [
      {
        name: text,
        type: "line",
        stack: stack,
        symbol: "none",
        lineStyle: { opacity: 0 },
        data: series.points.map(function (p) {
          return [p[0], p[lo]];
        }),
        tooltip: { show: false },
        silent: true,
      },
      {
        name: text,
        type: "line",
        stack: stack,
        symbol: "none",
        lineStyle: { opacity: 0 },
        areaStyle: { color: COLOURS[component - 1], opacity: 0.15 },
        data: series.points.map(function (p) {
          return [p[0], p[hi] - p[lo]];
        }),
        tooltip: { show: false },
        silent: true,
      },
    ];
  }

  function draw(el, series, range) {
    var old = window.echarts.getInstanceByDom(el);
    if (old) {
      old.dispose();
    }
    el.textContent = "";
    el.dataset.points = String(series.points.length);
    el.dataset.mode = series.mode;
    if (!series.points.length) {
      el.classList.add("empty");
      el.textContent = labels().labelEmpty || "";
      el.dataset.drawn = "empty";
      return;
    }
    el.classList.remove("empty");
    var lines = [];
    var two = series.label2 !== "";
    if (series.mode !== "raw") {
      lines = lines.concat(bandSeries(series, 1, labels().labelRange));
      if (two) {
        lines = lines.concat(bandSeries(series, 2, labels().labelRange));
      }
    }
    lines.push(lineSeries(series, 1, two ? series.label : series.label));
    if (two) {
      lines.push(lineSeries(series, 2, series.label2));
    }
    var axis = bounds(series);
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      grid: { left: 44, right: 12, top: two ? 30 : 14, bottom: 28 },
      legend: two ? { top: 0, data: [series.label, series.label2] } : undefined,
      tooltip: {
        trigger: "axis",
        valueFormatter: function (v) {
          return v === null || v === undefined ? "—" : v + (series.unit ? " " + series.unit : "");
        },
      },
      xAxis: { type: "time", min: range.since, max: range.until, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", min: axis.min, max: axis.max, scale: true },
      series: lines,
    });
    el.dataset.drawn = "yes";
  }

  function drawAll(data) {
    if (!window.echarts) {
      return;
    }
    data.series.forEach(function (series) {
      var el = document.getElementById("chart-" + series.kind);
      if (el) {
        draw(el, series, data);
      }
      var count = document.querySelector("[data-testid=count-" + series.kind + "]");
      if (count && data.fetched) {
        count.textContent = series.count + " " + (labels().labelReadings || "");
      }
    });
    document.getElementById("vitals").dataset.range = data.range;
  }

  function pick(event) {
    var link = event.target.closest ? event.target.closest("a[data-range]") : null;
    var box = document.getElementById("vitals");
    if (!link || !box || !window.fetch || !window.echarts) {
      return; // plain link: the page reloads with ?range=
    }
    event.preventDefault();
    var code = link.dataset.range;
    window
      .fetch(box.dataset.url + "?range=" + encodeURIComponent(code), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        data.fetched = true;
        drawAll(data);
        document.querySelectorAll(".range-picker a").forEach(function (a) {
          if (a.dataset.range === code) {
            a.setAttribute("aria-current", "true");
          } else {
            a.removeAttribute("aria-current");
          }
        });
        var url = new URL(window.location.href);
        url.searchParams.set("range", code);
        window.history.replaceState(null, "", url.toString());
      })
      .catch(function () {
        window.location.href = link.href;
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("vitals-data");
    if (source) {
      drawAll(JSON.parse(source.textContent));
    }
    var picker = document.querySelector(".range-picker");
    if (picker) {
      picker.addEventListener("click", pick);
    }
  });
  window.addEventListener("resize", function () {
    document.querySelectorAll(".vital .chart").forEach(function (el) {
      var chart = window.echarts ? window.echarts.getInstanceByDom(el) : null;
      if (chart) {
        chart.resize();
      }
    });
  });
})();
