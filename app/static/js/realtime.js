// Realtime page: one WebSocket per panel (/ws/echo/, /ws/notifications/).
// Frames are plain text, sent and received unchanged. Reconnects with backoff.
"use strict";

function connect(panel, delay = 1000) {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${window.location.host}${panel.dataset.socket}`);
  const state = panel.querySelector(".state");
  const log = panel.querySelector(".log");
  const form = panel.querySelector("form");

  socket.addEventListener("open", () => {
    state.textContent = "connected";
    state.className = "state open";
    delay = 1000;
  });
  socket.addEventListener("message", (event) => {
    const item = document.createElement("li");
    item.textContent = event.data;
    log.prepend(item);
  });
  socket.addEventListener("close", () => {
    state.textContent = `disconnected, retrying in ${delay / 1000}s`;
    state.className = "state closed";
    setTimeout(() => connect(panel, Math.min(delay * 2, 30000)), delay);
  });
  form.onsubmit = (event) => {
    event.preventDefault();
    if (socket.readyState === WebSocket.OPEN) {
      socket.send(form.elements.text.value);
      form.reset();
    }
  };
}

document.querySelectorAll("[data-socket]").forEach((panel) => connect(panel));
