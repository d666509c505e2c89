/* "Use my location": a button beside the postcode-or-place field of a form marked
 * data-near-me (the catalogue's filters, the home page's "Find a course near you").
 *
 * It asks the browser for the position, asks the site for the nearest 4-digit postcode
 * (POST /api/v1/places/nearest/: the position goes in the body, so no log keeps it), puts that
 * postcode in the field and sends the form sorted by distance. The position is not kept. Shown
 * only where the browser can tell a position; without it (or without JavaScript) the field works
 * as before. The texts come from the form's data attributes, in the page's language. */
(function () {
  "use strict";

  if (!("geolocation" in navigator) || !window.fetch) {
    return;
  }

  function setOrdering(form) {
    var ordering = form.elements.namedItem("ordering");
    if (ordering && ordering.tagName === "SELECT") {
      ordering.value = "distance";
      return;
    }
    if (!ordering) {
      ordering = document.createElement("input");
      ordering.type = "hidden";
      ordering.name = "ordering";
      form.appendChild(ordering);
    }
    ordering.value = "distance";
  }

  function enhance(form) {
    var field = form.elements.namedItem("near");
    if (!field || !field.id) {
      return;
    }
    var texts = form.dataset;
    var box = document.createElement("div");
    box.className = "near-me";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button--secondary button--small near-me__button";
    button.textContent = texts.nearMeLabel;
    var status = document.createElement("p");
    status.className = "near-me__status";
    status.setAttribute("role", "status");
    box.appendChild(button);
    box.appendChild(status);
    // In the catalogue's filters: below the field's hint and error; on the home page's short
    // form: after its "Find courses".
    (field.closest(".field") || form).appendChild(box);

    // Not `disabled` while busy: a disabled button drops the keyboard focus.
    var busy = false;

    function fail(message) {
      status.textContent = message;
      status.classList.add("near-me__status--error");
      busy = false;
    }

    function found(position) {
      var body = JSON.stringify({
        // Three decimals (about 100 m) are more than a postcode area needs.
        latitude: Math.round(position.coords.latitude * 1000) / 1000,
        longitude: Math.round(position.coords.longitude * 1000) / 1000,
      });
      fetch(texts.nearMe, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: body,
        credentials: "omit",
      })
        .then(function (response) {
          if (response.status === 404) {
            throw new Error("outside");
          }
          if (!response.ok) {
            throw new Error("failed");
          }
          return response.json();
        })
        .then(function (area) {
          field.value = area.postcode;
          setOrdering(form);
          form.submit();
        })
        .catch(function (error) {
          fail(error.message === "outside" ? texts.nearMeOutside : texts.nearMeFailed);
        });
    }

    button.addEventListener("click", function () {
      if (busy) {
        return;
      }
      busy = true;
      status.classList.remove("near-me__status--error");
      status.textContent = texts.nearMeBusy;
      navigator.geolocation.getCurrentPosition(
        found,
        function (error) {
          fail(error.code === error.PERMISSION_DENIED ? texts.nearMeDenied : texts.nearMeFailed);
        },
        { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 }
      );
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-near-me]"), enhance);
})();
