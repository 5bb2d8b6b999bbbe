/* Dispatch board (ADR 0021): drag a visit onto another provider's row, and the map.
   No framework: HTML5 drag and drop posts the move through htmx, which swaps the plan
   section (#board-plan) with the server's answer (moved, or the reason it was refused).
   Dropping a visit on the unassigned list takes it off the plan (a reason is asked for).
   Keyboard: Enter on a visit block picks it in the "Move a visit" form. */
(function () {
  "use strict";

  var dragged = null;

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function movable(target) {
    return target && target.closest ? target.closest("[data-visit][draggable=true]") : null;
  }

  function zoneOf(target) {
    return target && target.closest ? target.closest(".dropzone, .offzone") : null;
  }

  function clearTargets() {
    document.querySelectorAll(".drop-target").forEach(function (el) {
      el.classList.remove("drop-target");
    });
  }

  function move(visit, task, provider) {
    var plan = document.getElementById("board-plan");
    if (!plan || !plan.dataset.moveUrl || !window.htmx) {
      return;
    }
    window.htmx.ajax("POST", plan.dataset.moveUrl, {
      target: "#board-plan",
      swap: "outerHTML",
      values: { visit: visit + ":" + task, provider: provider },
      headers: { "X-CSRFToken": csrfToken() },
    });
  }

  // Dropped on the unassigned list: take the visit off the plan, with a reason (asked
  // for here; cancelling the question changes nothing).
  function takeOff(visit) {
    var plan = document.getElementById("board-plan");
    if (!plan || !plan.dataset.takeOffUrl || !window.htmx) {
      return;
    }
    var reason = window.prompt(plan.dataset.reasonPrompt || "", plan.dataset.reasonDefault || "");
    if (reason === null || !reason.trim()) {
      return;
    }
    window.htmx.ajax("POST", plan.dataset.takeOffUrl, {
      target: "#board-plan",
      swap: "outerHTML",
      values: { visit: visit, reason: reason.trim() },
      headers: { "X-CSRFToken": csrfToken() },
    });
  }

  document.addEventListener("dragstart", function (event) {
    var block = movable(event.target);
    if (!block) {
      return;
    }
    dragged = { visit: block.dataset.visit, task: block.dataset.task || "0" };
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.visit + ":" + dragged.task);
    block.classList.add("dragging");
  });

  document.addEventListener("dragend", function (event) {
    var block = movable(event.target);
    if (block) {
      block.classList.remove("dragging");
    }
    clearTargets();
  });

  document.addEventListener("dragover", function (event) {
    var zone = zoneOf(event.target);
    if (!zone || !dragged) {
      return;
    }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!zone.classList.contains("drop-target")) {
      clearTargets();
      zone.classList.add("drop-target");
    }
  });

  document.addEventListener("drop", function (event) {
    var zone = zoneOf(event.target);
    if (!zone || !dragged) {
      return;
    }
    event.preventDefault();
    var data = dragged;
    dragged = null;
    clearTargets();
    if (zone.classList.contains("offzone")) {
      takeOff(data.visit);
      return;
    }
    move(data.visit, data.task, zone.dataset.provider);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" && event.key !== " ") {
      return;
    }
    var block = event.target && event.target.closest ? event.target.closest("[data-visit]") : null;
    var select = document.getElementById("move-visit");
    if (!block || !select) {
      return;
    }
    event.preventDefault();
    select.value = block.dataset.visit + ":" + (block.dataset.task || "0");
    var provider = document.getElementById("move-provider");
    if (provider) {
      provider.focus();
    }
  });

  // --- the map: region polygons as a custom GeoJSON map, points and route lines ---

  var PALETTE = ["#0b5cad", "#116329", "#8a3ffc", "#b45309", "#0e7490", "#be185d", "#4d7c0f"];

  function drawMap() {
    var el = document.getElementById("board-map");
    var source = document.getElementById("board-map-data");
    if (!el || !source || !window.echarts) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var old = window.echarts.getInstanceByDom(el);
    if (old) {
      old.dispose();
    }
    if (!data.geojson.features.length) {
      el.dataset.drawn = "empty";
      return;
    }
    window.echarts.registerMap("doorstep-board", data.geojson);
    var colour = {};
    data.providers.forEach(function (p, i) {
      colour[p.provider_id] = PALETTE[i % PALETTE.length];
    });
    var regions = data.geojson.features.map(function (f) {
      var extent = f.properties.extent;
      return {
        name: f.properties.name,
        itemStyle: extent ? { areaColor: "transparent", borderColor: "#c9d1d9" } : {},
        label: { show: !extent, formatter: f.properties.label || "" },
      };
    });
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "item", formatter: function (p) { return p.data && p.data.label ? p.data.label : p.name; } },
      geo: {
        map: "doorstep-board",
        roam: true,
        itemStyle: { areaColor: "#eef3f8", borderColor: "#4a5560" },
        emphasis: { itemStyle: { areaColor: "#dce7f2" }, label: { show: true } },
        label: { show: true, color: "#4a5560" },
        regions: regions,
      },
      series: [
        {
          name: el.dataset.labelRoutes,
          type: "lines",
          coordinateSystem: "geo",
          polyline: true,
          data: data.lines.map(function (l) {
            return { coords: l.coords, label: l.name, lineStyle: { color: colour[l.provider_id] } };
          }),
          lineStyle: { width: 2, opacity: 0.8 },
        },
        {
          name: el.dataset.labelVisits,
          type: "scatter",
          coordinateSystem: "geo",
          symbolSize: 12,
          data: data.visits.map(function (v) {
            return {
              value: v.value,
              label: v.label,
              itemStyle: { color: v.provider_id ? colour[v.provider_id] || "#4a5560" : "#a40e26" },
            };
          }),
        },
        {
          name: el.dataset.labelProviders,
          type: "scatter",
          coordinateSystem: "geo",
          symbol: "diamond",
          symbolSize: 18,
          data: data.providers.map(function (p) {
            return { value: p.value, label: p.label, itemStyle: { color: colour[p.provider_id] } };
          }),
        },
      ],
    });
    el.dataset.drawn = "yes";
    el.dataset.points = String(data.visits.length + data.providers.length);
  }

  document.addEventListener("DOMContentLoaded", drawMap);
  document.addEventListener("htmx:afterSettle", function () {
    var el = document.getElementById("board-map");
    if (el && !el.dataset.drawn) {
      drawMap(); // the plan section was swapped: a fresh, undrawn map
    }
  });
  window.addEventListener("resize", function () {
    var el = document.getElementById("board-map");
    var chart = el && window.echarts ? window.echarts.getInstanceByDom(el) : null;
    if (chart) {
      chart.resize();
    }
  });
})();
