/* The catalogue's map: an enhancement of the result list (cms/catalogue_map.py gives the data).
 *
 * Without JavaScript, or without Leaflet, the map stays hidden and nothing is lost: every place
 * is also on a card in the list, and each marker's popup links to its cards. Without tiles
 * (MAP_TILE_URL empty) the markers show on a plain background. The texts come from the page
 * (data attributes rendered in the page's language). No inline script: the CSP forbids it. */
(function () {
  "use strict";

  var OPEN_KEY = "routewijzer.catalogueMapOpen";
  var WIDE = "(min-width: 60rem)";

  var dataElement = document.getElementById("catalogue-map-data");
  var block = document.getElementById("catalogue-map");
  var toggle = document.querySelector(".catalogue-map__toggle");
  if (!dataElement || !block || !toggle || typeof window.L === "undefined") {
    return;
  }
  var L = window.L;
  var data = JSON.parse(dataElement.textContent);
  var canvas = block.querySelector(".catalogue-map__canvas");
  var map = null;
  var pageDirection = document.documentElement.dir === "rtl" ? "rtl" : "ltr";

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function popupContent(place) {
    var box = document.createElement("div");
    // The canvas is dir="ltr" (a map does not mirror); its text reads in the page's direction.
    box.dir = pageDirection;
    place.locations.forEach(function (location) {
      var heading = document.createElement("p");
      heading.className = "catalogue-map__place";
      var name = document.createElement("strong");
      name.textContent = location.name;
      heading.appendChild(name);
      heading.appendChild(document.createTextNode(", " + location.city));
      box.appendChild(heading);
      var list = document.createElement("ul");
      list.className = "catalogue-map__courses";
      location.courses.forEach(function (course) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = course.href;
        link.textContent = course.title;
        item.appendChild(link);
        list.appendChild(item);
      });
      box.appendChild(list);
    });
    return box;
  }

  function placeLabel(place) {
    return place.locations
      .map(function (location) {
        return location.name + ", " + location.city;
      })
      .join("; ");
  }

  function draw() {
    var still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    map = L.map(canvas, {
      fadeAnimation: !still,
      zoomAnimation: !still,
      markerZoomAnimation: !still,
      zoomControl: false,
      scrollWheelZoom: false, // the page scrolls; the buttons and pinching zoom
      dragging: !L.Browser.mobile, // one finger scrolls the page on a phone
      tap: false,
    });
    L.control
      .zoom({ zoomInTitle: canvas.dataset.zoomIn, zoomOutTitle: canvas.dataset.zoomOut })
      .addTo(map);
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    if (data.tiles) {
      L.tileLayer(data.tiles, {
        attribution: escapeHtml(data.attribution || ""),
        maxZoom: 19,
      }).addTo(map);
    }
    var icon = L.icon({
      // From the page ({% static %}), so they carry the hashed names of the manifest storage.
      iconUrl: canvas.dataset.icon,
      iconRetinaUrl: canvas.dataset.icon2x,
      shadowUrl: canvas.dataset.shadow,
      iconSize: [25, 41],
      iconAnchor: [12, 41],
      popupAnchor: [1, -34],
      tooltipAnchor: [16, -28],
      shadowSize: [41, 41],
    });
    var points = [];
    data.places.forEach(function (place) {
      var label = placeLabel(place);
      L.marker([place.lat, place.lon], { icon: icon, alt: label, title: label })
        .bindPopup(popupContent(place), {
          // Within the map on a 320 px phone; a long list scrolls inside the popup.
          maxWidth: Math.max(160, Math.min(300, canvas.clientWidth - 70)),
          maxHeight: Math.max(140, canvas.clientHeight - 90),
          autoPanPadding: [12, 12],
        })
        .addTo(map);
      points.push([place.lat, place.lon]);
    });
    if (data.near) {
      L.circleMarker([data.near.lat, data.near.lon], {
        className: "catalogue-map__near",
        radius: 9,
        weight: 3,
        fillOpacity: 0.35,
      })
        .bindTooltip('<span dir="' + pageDirection + '">' + escapeHtml(data.near.label) + "</span>")
        .addTo(map);
      points.push([data.near.lat, data.near.lon]);
    }
    if (points.length === 1) {
      map.setView(points[0], 13);
    } else {
      // Room above for the pins' height (41 px) and beside for their width.
      map.fitBounds(points, {
        paddingTopLeft: [30, 50],
        paddingBottomRight: [30, 15],
        maxZoom: 14,
      });
    }
  }

  function show(open) {
    block.hidden = !open;
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    toggle.textContent = open ? toggle.dataset.hide : toggle.dataset.show;
    try {
      window.sessionStorage.setItem(OPEN_KEY, open ? "1" : "0");
    } catch (e) {
      /* storage refused: the map simply starts as the screen's width says */
    }
    if (open && map === null) {
      draw();
    } else if (open) {
      map.invalidateSize();
    }
  }

  // A popup link goes to its card, which is marked (CSS :target) and gets the focus.
  block.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#offering-']");
    if (!link) {
      return;
    }
    var card = document.getElementById(link.getAttribute("href").slice(1));
    if (card) {
      card.setAttribute("tabindex", "-1");
      window.setTimeout(function () {
        card.focus({ preventScroll: true });
      }, 0);
    }
  });

  var remembered = null;
  try {
    remembered = window.sessionStorage.getItem(OPEN_KEY);
  } catch (e) {
    remembered = null;
  }
  toggle.hidden = false;
  toggle.addEventListener("click", function () {
    show(block.hidden);
  });
  show(remembered === null ? window.matchMedia(WIDE).matches : remembered === "1");
})();
