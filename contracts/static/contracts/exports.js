// The exports page (contracts/admin/exports.py): while an export is waiting or being made, fetch
// the list again every few seconds and put it in place, so progress and the download link show
// without reloading. Without JavaScript the page's "Check again" link does the same.
(function () {
    "use strict";
    var list = document.getElementById("exports-list");
    if (!list || !window.fetch || !window.DOMParser) {
        return;
    }
    var seconds = parseInt(list.getAttribute("data-refresh-seconds"), 10) || 3;
    var live = document.createElement("p");
    live.className = "w-sr-only";
    live.setAttribute("aria-live", "polite");
    list.parentNode.insertBefore(live, list);

    function states(element) {
        var found = {};
        element.querySelectorAll(".rw-export[id]").forEach(function (item) {
            found[item.id] = item.getAttribute("data-state");
        });
        return found;
    }

    function announce(before, fresh) {
        var ready = [];
        fresh.querySelectorAll(".rw-export[id]").forEach(function (item) {
            var state = item.getAttribute("data-state");
            if (before[item.id] && before[item.id] !== state && (state === "done" || state === "failed")) {
                var title = item.querySelector(".rw-export__title");
                var status = item.querySelector(".w-status");
                ready.push((title ? title.textContent.trim() : "") + ": " + (status ? status.textContent.trim() : state));
            }
        });
        if (ready.length) {
            live.textContent = ready.join(". ");
        }
    }

    function poll() {
        var current = document.getElementById("exports-list");
        if (!current || !current.hasAttribute("data-unfinished")) {
            return;
        }
        var url = new URL(window.location.href);
        url.searchParams.set("list", "1");
        fetch(url.toString(), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
            .then(function (response) {
                if (!response.ok) {
                    throw new Error(response.status);
                }
                return response.text();
            })
            .then(function (html) {
                var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("exports-list");
                if (fresh) {
                    announce(states(current), fresh);
                    current.replaceWith(document.importNode(fresh, true));
                }
                window.setTimeout(poll, seconds * 1000);
            })
            .catch(function () {
                window.setTimeout(poll, seconds * 4000);
            });
    }

    window.setTimeout(poll, seconds * 1000);
})();
