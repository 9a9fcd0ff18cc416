// Talking to the studio's server: JSON over HTTP for commands, one WebSocket for the live stream.
// Every error the server sends is {"error": "..."}; callers get it as an Error with that message.

export class ApiError extends Error {}

// A command (any method but GET) is JSON, even with nothing to say, and carries the studio's own header:
// the server refuses commands that a form on another web site could send (see app.py's _Guard).
async function call(method, path, body) {
  const init = { method, headers: {} };
  if (method !== "GET") {
    init.headers["Content-Type"] = "application/json";
    init.headers["X-Glassgrad-Studio"] = "1";
    init.body = JSON.stringify(body === undefined ? {} : body);
  }
  const response = await fetch(path, init);
  let data = null;
  try {
    data = await response.json();
  } catch (e) {
    throw new ApiError(`the server answered ${response.status} without JSON`);
  }
  if (!response.ok) throw new ApiError(data && data.error ? data.error : `HTTP ${response.status}`);
  return data;
}

export const api = {
  options: () => call("GET", "/api/options"),
  create: (config) => call("POST", "/api/session", { config }),
  session: (sid) => call("GET", `/api/session/${sid}`),
  speed: (sid, stepsPerSecond) => call("POST", `/api/session/${sid}/speed`, { steps_per_second: stepsPerSecond }),
  config: (sid, config) => call("POST", `/api/session/${sid}/config`, config),
  play: (sid) => call("POST", `/api/session/${sid}/play`),
  pause: (sid) => call("POST", `/api/session/${sid}/pause`),
  step: (sid, steps = 1) => call("POST", `/api/session/${sid}/step`, { steps }),
  reset: (sid) => call("POST", `/api/session/${sid}/reset`),
  state: (sid) => call("GET", `/api/session/${sid}/state`),
  sample: (sid, split, index) => call("GET", `/api/session/${sid}/sample?split=${split}&index=${index}`),
  neuron: (sid, split, index, unit) =>
    call("GET", `/api/session/${sid}/neuron?split=${split}&index=${index}&unit=${encodeURIComponent(unit)}`),
  code: (sid, steps) => call("GET", `/api/session/${sid}/code?steps=${steps}`),
};

// The stream: onMessage gets each parsed message; it reconnects after a drop (unless closed on purpose).
export function openStream(sid, onMessage, onStatus) {
  let socket = null;
  let closed = false;
  let timer = null;
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/session/${sid}/ws`;
  const connect = () => {
    socket = new WebSocket(url);
    socket.onopen = () => onStatus("live");
    socket.onmessage = (event) => onMessage(JSON.parse(event.data));
    socket.onclose = (event) => {
      if (closed) return;
      if (event.code === 4404 || event.code === 4000) {
        onStatus("closed");
        return;
      }
      onStatus("reconnecting");
      timer = setTimeout(connect, 1000);
    };
  };
  connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      if (socket) socket.close();
    },
  };
}
