// The refer form (contracts/admin/referrals.py): the start dates follow the chosen lot at once.
// Without JavaScript the page does the same in steps: "Show the start dates of this lot" reloads
// it with the lot in the address, and the server shows that lot's start dates only. The page
// holds every lot's start dates, all hidden but the chosen lot's; this script only swaps which
// group shows, keeps the posted lot in step and says what changed. No inline script: the CSP
// allows scripts from this site's files only.
(function () {
    "use strict";
    const lotForm = document.getElementById("refer-lot-form");
    const referForm = document.getElementById("refer-form");
    if (!lotForm || !referForm) {
        return;
    }
    const postedLot = referForm.querySelector("input[type=hidden][name=lot]");
    const noDate = document.getElementById("refer-start-none");
    const status = document.getElementById("refer-start-status");
    const groups = referForm.querySelectorAll(".rw-refer-dates[data-lot]");

    function choose(lotId) {
        postedLot.value = lotId;
        referForm.hidden = !lotId;
        for (const group of groups) {
            const shown = group.dataset.lot === lotId;
            group.hidden = !shown;
            for (const input of group.querySelectorAll("input")) {
                input.disabled = !shown;
                if (!shown && input.checked) {
                    input.checked = false;
                    noDate.checked = true;
                }
            }
            if (shown) {
                status.textContent = group.dataset.status;
            }
        }
        // The address keeps the choice, so reloading or coming back shows the same lot.
        const url = new URL(window.location.href);
        url.searchParams.set("lot", lotId);
        window.history.replaceState(null, "", url);
    }

    lotForm.addEventListener("change", function (event) {
        if (event.target.name === "lot" && event.target.checked) {
            choose(event.target.value);
        }
    });
    // The lots' own button is for browsers without this script.
    const show = lotForm.querySelector("[data-refer-show]");
    if (show) {
        show.hidden = true;
    }
    const checked = lotForm.querySelector("input[name=lot]:checked");
    for (const group of groups) {
        const shown = Boolean(checked) && group.dataset.lot === checked.value;
        for (const input of group.querySelectorAll("input")) {
            input.disabled = !shown;
        }
    }
})();
