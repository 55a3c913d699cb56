// Colour the health probes on the home page from the JSON the endpoints return.
"use strict";

document.querySelectorAll("[data-probe]").forEach(async (badge) => {
  try {
    const response = await fetch(badge.dataset.probe, { cache: "no-store" });
    const body = await response.json();
    badge.classList.add(response.ok ? "ok" : "bad");
    badge.title = response.ok ? "ok" : "failed: " + (body.failed || []).join(", ");
  } catch (error) {
    badge.classList.add("bad");
    badge.title = "unreachable";
  }
});
