// The playground page: a Discord-like channel view over the local Discord's websocket.
// Everything a message holds is untrusted text and is only ever set with textContent (see markdown.js).
"use strict";

(function () {
  const S = {
    guild: null,
    channels: [],
    members: [],
    languages: [], // [{code, name}]: the languages a member's Discord can be in, by their own names
    defaultLanguage: "en-US",
    locales: {}, // member name -> their Discord language (a locale code), as picked beside them
    bot: null,
    commands: [],
    clock: { now_ms: Date.now(), speed: 1, at: performance.now() },
    messages: new Map(), // id -> message view
    order: [], // ids in the order they were created
    channel: null,
    me: null,
    dismissed: new Set(),
    // index: the highlighted item; chosen: the person moved the highlight (arrow keys), so Enter takes it
    popup: { items: [], index: 0, chosen: false },
    entered: [], // performance.now() at each Enter whose reply has not been drawn yet
    files: {}, // attachment option -> {filename, content (base64)} picked with the file button
    answered: new Set(), // interactions whose first reply was drawn
  };
  // The socket's health: "connecting" (first load), "live", "lost" (the playground stopped) or "refused"
  // (something answers here now, but not to this page's secret: a new run with a new URL).
  const live = { state: "connecting", socket: null, attempt: 0, timer: null, probing: false };
  window.__playground = { timings: [], state: S, live };

  const $ = (id) => document.getElementById(id);
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const nowMs = () => S.clock.now_ms + (performance.now() - S.clock.at) * S.clock.speed;
  const member = (id) => S.members.find((m) => m.id === String(id));
  const ctx = {
    now: nowMs,
    userName: (id) => (S.bot && id === S.bot.id ? S.bot.name : member(id) ? member(id).name : "unknown-user"),
    roleName: () => "role",
    channelName: (id) => {
      const channel = S.channels.find((c) => c.id === String(id));
      return channel ? channel.name : "unknown-channel";
    },
  };
  const md = (text) => window.DiscordMarkdown.render(text, ctx);

  // The run's secret travels in an HttpOnly cookie the server set when the printed URL was opened:
  // same-origin requests carry it, and this script never sees it.
  async function post(path, body) {
    if (live.state !== "live") return { ok: false, error: "Disconnected: wait for the playground to come back." };
    let response;
    try {
      response = await fetch(path, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    } catch (error) {
      return { ok: false, error: "The playground did not answer: is it still running?" };
    }
    if (!response.ok) return { ok: false, error: (await response.text()).trim() };
    return response.json();
  }

  // --- the websocket ---------------------------------------------------------------------------
  const RETRY_MS = [250, 500, 1000, 2000, 3000]; // then every 3 s: a restarted playground is found quickly

  function setConnection(state) {
    const back = state === "live" && (live.state === "lost" || live.state === "refused");
    live.state = state;
    document.body.dataset.connection = state;
    const banner = $("connection");
    banner.replaceChildren();
    if (state === "lost") {
      banner.appendChild(el("strong", null, "Disconnected — the playground stopped. "));
      banner.appendChild(document.createTextNode("Sending is off; this page reconnects on its own when it is back."));
    } else if (state === "refused") {
      banner.appendChild(el("strong", null, "A new playground is running here, and it refuses this page's old secret. "));
      banner.appendChild(
        document.createTextNode("Open the new URL it printed (http://…/?token=…); this page then reconnects by itself.")
      );
    }
    banner.hidden = state === "live" || state === "connecting";
    const box = $("box");
    box.disabled = state !== "live";
    if (state === "live") box.placeholder = `Message #${ctx.channelName(S.channel)} — type / for commands`;
    else if (state === "lost") box.placeholder = "Disconnected: waiting for the playground…";
    else if (state === "refused") box.placeholder = "Open the URL the new playground printed to go on";
    document.querySelectorAll("#clock-panel button").forEach((b) => (b.disabled = state !== "live"));
    if (state !== "live") $("popup").hidden = true;
    if (back && document.activeElement === document.body) box.focus(); // disabling it had taken the focus away
  }

  function connect() {
    clearTimeout(live.timer);
    const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
    live.socket = ws;
    ws.onmessage = (event) => handle(JSON.parse(event.data));
    ws.onclose = (event) => {
      if (live.socket !== ws) return;
      live.socket = null;
      if (event.code === 1013) {
        // This page fell behind and was dropped; it is not a stop: come straight back for a fresh state.
        connect();
        return;
      }
      if (live.state !== "refused") setConnection("lost");
      retry();
    };
  }

  function retry() {
    clearTimeout(live.timer);
    live.timer = setTimeout(probe, RETRY_MS[Math.min(live.attempt, RETRY_MS.length - 1)]);
    live.attempt += 1;
  }

  // A WebSocket never says why its handshake failed, so ask plainly first: no answer means the
  // playground is still down; 401 means another run answers (its secret is new); 200 means come back.
  async function probe() {
    if (live.probing || live.socket) return;
    live.probing = true;
    try {
      const response = await fetch("/api/session", { cache: "no-store" });
      if (response.ok) {
        connect();
        return;
      }
      setConnection(response.status === 401 ? "refused" : "lost");
    } catch (error) {
      if (live.state !== "refused") setConnection("lost");
    } finally {
      live.probing = false;
    }
    retry();
  }

  function probeNow() {
    // Back in this tab (perhaps after opening the new URL in another): look at once, not at the next retry.
    if (live.state === "live" || live.socket) return;
    live.attempt = 0;
    clearTimeout(live.timer);
    probe();
  }

  function setClock(clock) {
    S.clock = { now_ms: clock.now_ms, speed: clock.speed, at: performance.now() };
    document.querySelectorAll("[data-speed]").forEach((b) => b.classList.toggle("active", Number(b.dataset.speed) === clock.speed));
  }

  // --- remembering who and where across reloads -------------------------------------------------
  // By name, not id: a new run of the playground gives its channels new ids but the same names.
  const SAVED = "heartstopper-playground";

  function saved() {
    try {
      return JSON.parse(localStorage.getItem(SAVED) || "{}") || {};
    } catch (error) {
      return {}; // storage off or garbled: start from the defaults
    }
  }

  function remember() {
    const me = member(S.me);
    try {
      localStorage.setItem(
        SAVED,
        JSON.stringify({ member: me ? me.name : null, channel: ctx.channelName(S.channel), languages: S.locales })
      );
    } catch (error) {
      // storage off: the choice lasts until the page is reloaded
    }
  }

  function handle(event) {
    if (event.type === "state") {
      // What this page showed (a reconnect) wins over what was saved (a reload), then the defaults.
      const before = S.channels.length ? { channel: ctx.channelName(S.channel), member: (member(S.me) || {}).name } : saved();
      if (!S.channels.length && before.languages && typeof before.languages === "object") S.locales = before.languages;
      Object.assign(S, { guild: event.guild, channels: event.channels, members: event.members, bot: event.bot, commands: event.commands });
      S.languages = event.languages || [];
      S.defaultLanguage = event.default_language || S.defaultLanguage;
      S.messages.clear();
      S.order = [];
      S.entered = [];
      event.messages.forEach((m) => store(m));
      S.channel = (S.channels.find((c) => c.name === before.channel) || S.channels[0]).id;
      S.me = (S.members.find((m) => m.name === before.member) || S.members[0]).id;
      setClock(event.clock);
      $("guild-name").textContent = S.guild.name;
      // The sidebars first: a message that cannot be drawn must never leave them stale.
      renderChannels();
      renderMembers();
      renderEvents(event.events);
      renderMessages();
      live.attempt = 0;
      setConnection("live");
      refreshUpcoming();
      document.body.dataset.ready = "true";
    } else if (event.type === "create" || event.type === "update") {
      store(event.message);
      renderOne(event.message);
      refreshUpcoming(); // a setting changed or a post went out: what comes next may have moved
    } else if (event.type === "delete") {
      S.messages.delete(event.message.id);
      const node = document.querySelector(`[data-message-id="${CSS.escape(event.message.id)}"]`);
      if (node) node.remove();
    } else if (event.type === "clock") {
      setClock(event.clock);
      refreshUpcoming();
    } else if (event.type === "events") {
      renderEvents(event.events);
    }
  }

  function store(message) {
    if (!S.messages.has(message.id)) S.order.push(message.id);
    S.messages.set(message.id, message);
  }

  // --- sidebars --------------------------------------------------------------------------------
  function renderEvents(events) {
    const list = $("events");
    list.replaceChildren();
    if (!events.length) {
      // Only upcoming, dated targets become events: the bundled releases are past and the film has no date.
      list.appendChild(
        el("li", "hint", "No upcoming events. With /settings release-events on, dated releases and /event add events show here.")
      );
      return;
    }
    const format = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
    for (const e of events.slice().sort((x, y) => String(x.start).localeCompare(String(y.start)))) {
      const item = list.appendChild(el("li", "event"));
      item.dataset.event = e.name;
      item.appendChild(el("div", "event-name", "📅 " + e.name));
      const start = new Date(e.start);
      const when = Number.isNaN(start.getTime()) ? String(e.start) : format.format(start);
      item.appendChild(el("div", "event-when", when + (e.location ? " · " + e.location : "")));
    }
  }

  function renderChannels() {
    const list = $("channels");
    list.replaceChildren();
    for (const channel of S.channels) {
      const item = el("li", channel.id === S.channel ? "channel active" : "channel");
      item.appendChild(el("span", "hash", "#"));
      item.appendChild(el("span", null, channel.name));
      item.dataset.channel = channel.name;
      item.addEventListener("click", () => {
        S.channel = channel.id;
        remember();
        renderChannels();
        renderMessages();
        $("box").focus();
      });
      list.appendChild(item);
    }
    $("channel-name").textContent = ctx.channelName(S.channel);
    if (live.state === "live" || live.state === "connecting") $("box").placeholder = `Message #${ctx.channelName(S.channel)} — type / for commands`;
  }

  // A member's Discord language: what they picked beside their name, else English. The bot reads it as
  // Discord's locale, so their private answers come in it.
  function localeOf(m) {
    const code = m ? S.locales[m.name] : undefined;
    return S.languages.some((l) => l.code === code) ? code : S.defaultLanguage;
  }
  const myLocale = () => localeOf(member(S.me));

  function languagePicker(m) {
    const select = el("select", "member-language");
    select.dataset.memberLanguage = m.name;
    select.title = `${m.name}'s Discord language: their private answers come in it`;
    select.setAttribute("aria-label", `${m.name}'s Discord language`);
    for (const language of S.languages) {
      const option = select.appendChild(el("option", null, language.name));
      option.value = language.code;
    }
    select.value = localeOf(m);
    select.addEventListener("click", (event) => event.stopPropagation()); // picking a language is not acting as them
    select.addEventListener("change", () => {
      S.locales[m.name] = select.value;
      remember();
    });
    return select;
  }

  function renderMembers() {
    const list = $("member-list");
    list.replaceChildren();
    for (const m of S.members) {
      const item = el("li", m.id === S.me ? "member active" : "member");
      item.dataset.member = m.name;
      item.appendChild(el("span", "avatar small", m.name[0]));
      item.appendChild(el("span", "member-name", m.name));
      if (m.moderator) item.appendChild(el("span", "tag", "moderator"));
      if (S.languages.length) item.appendChild(languagePicker(m));
      item.addEventListener("click", () => {
        S.me = m.id;
        remember();
        renderMembers();
        renderMessages();
        updateComposer();
      });
      list.appendChild(item);
    }
  }

  // --- messages --------------------------------------------------------------------------------
  const visible = (m) => m.channel_id === S.channel && (!m.visible_to || m.visible_to === S.me) && !S.dismissed.has(m.id);

  function renderMessages() {
    const box = $("messages");
    box.replaceChildren();
    for (const id of S.order) {
      const m = S.messages.get(id);
      if (m && visible(m)) box.appendChild(safeMessageNode(m));
    }
    box.scrollTop = box.scrollHeight;
  }

  // Each message is drawn on its own: one the page cannot draw becomes a small note, and every other
  // message (and the rest of the page) still renders.
  function safeMessageNode(m) {
    try {
      return messageNode(m);
    } catch (error) {
      console.error("could not draw message", m && m.id, error);
      const node = el("div", "message broken", "⚠ This message could not be shown here.");
      node.dataset.messageId = String(m && m.id);
      node.dataset.testid = "message";
      return node;
    }
  }

  function renderOne(message) {
    const old = document.querySelector(`[data-message-id="${CSS.escape(message.id)}"]`);
    if (!visible(message)) {
      if (old) old.remove();
      return;
    }
    const box = $("messages");
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    const node = safeMessageNode(message);
    if (old) old.replaceWith(node);
    else box.appendChild(node);
    if (atBottom || !old) box.scrollTop = box.scrollHeight;
    const mine = message.used && message.used.user_id === S.me;
    if (mine && !message.thinking && !S.answered.has(message.interaction_id) && S.entered.length) {
      S.answered.add(message.interaction_id);
      window.__playground.timings.push(performance.now() - S.entered.shift());
    }
  }

  function colour(value) {
    const n = Number(value);
    return Number.isInteger(n) && n >= 0 && n <= 0xffffff ? "#" + n.toString(16).padStart(6, "0") : "#99aab5";
  }

  function embedNode(embed) {
    const node = el("div", "embed");
    node.style.borderLeftColor = colour(embed.color);
    if (embed.author && embed.author.name) node.appendChild(el("div", "embed-author", embed.author.name));
    if (embed.title) node.appendChild(el("div", "embed-title")).appendChild(md(embed.title));
    if (embed.description) node.appendChild(el("div", "embed-description")).appendChild(md(embed.description));
    if (embed.fields && embed.fields.length) {
      const fields = node.appendChild(el("div", "embed-fields"));
      for (const field of embed.fields) {
        const f = fields.appendChild(el("div", field.inline ? "embed-field inline" : "embed-field"));
        f.appendChild(el("div", "field-name")).appendChild(md(field.name));
        f.appendChild(el("div", "field-value")).appendChild(md(field.value));
      }
    }
    if (embed.footer && embed.footer.text) node.appendChild(el("div", "embed-footer", embed.footer.text));
    return node;
  }

  const BUTTON_STYLES = { 1: "primary", 2: "secondary", 3: "success", 4: "danger", 5: "link" };

  function componentsNode(message) {
    const node = el("div", "components");
    for (const row of message.components) {
      const rowNode = node.appendChild(el("div", "action-row"));
      for (const c of row.components || []) {
        if (c.type !== 2) continue;
        const button = rowNode.appendChild(el("button", "btn " + (BUTTON_STYLES[c.style] || "secondary")));
        button.type = "button";
        if (c.emoji && c.emoji.name) button.appendChild(el("span", "emoji", c.emoji.name + " "));
        button.appendChild(document.createTextNode(c.label || ""));
        button.disabled = Boolean(c.disabled);
        button.dataset.customId = c.custom_id || "";
        button.addEventListener("click", async () => {
          const answer = await post("/api/click", { message_id: message.id, custom_id: c.custom_id, member_id: S.me, locale: myLocale() });
          if (!answer.ok) showError(answer.error);
        });
      }
    }
    return node;
  }

  function messageNode(m) {
    const node = el("div", m.visible_to ? "message ephemeral" : "message");
    node.dataset.messageId = m.id;
    node.dataset.testid = "message";
    if (m.used) {
      const used = node.appendChild(el("div", "used"));
      used.appendChild(el("span", "used-arrow", "↳ "));
      used.appendChild(el("span", "used-name", ctx.userName(m.used.user_id)));
      used.appendChild(document.createTextNode(" used "));
      used.appendChild(el("span", "used-command", m.used.command));
    }
    const row = node.appendChild(el("div", "row"));
    row.appendChild(el("div", "avatar bot", "💕"));
    const body = row.appendChild(el("div", "body"));
    const meta = body.appendChild(el("div", "meta"));
    meta.appendChild(el("span", "author", S.bot ? S.bot.name : "bot"));
    meta.appendChild(el("span", "app-tag", "APP"));
    if (m.timestamp) {
      const when = new Date(m.timestamp);
      meta.appendChild(el("span", "time", new Intl.DateTimeFormat(undefined, STYLE_META).format(when)));
    }
    if (m.thinking) {
      body.appendChild(el("div", "thinking", `${S.bot ? S.bot.name : "bot"} is thinking…`));
    } else {
      if (m.content) body.appendChild(el("div", "content")).appendChild(md(m.content));
      for (const embed of m.embeds) body.appendChild(embedNode(embed));
      if (m.components.length) body.appendChild(componentsNode(m));
      if (m.edited && !m.visible_to) body.appendChild(el("span", "edited", "(edited)"));
    }
    if (m.visible_to) {
      const note = body.appendChild(el("div", "ephemeral-note"));
      note.appendChild(document.createTextNode("👁 Only you can see this · "));
      const dismiss = note.appendChild(el("a", "dismiss", "Dismiss message"));
      dismiss.href = "#";
      dismiss.addEventListener("click", (event) => {
        event.preventDefault();
        S.dismissed.add(m.id);
        node.remove();
      });
    }
    return node;
  }
  const STYLE_META = { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" };

  // --- composer --------------------------------------------------------------------------------
  const myCommands = () => {
    const me = member(S.me);
    return S.commands.filter((c) => !c.moderator_only || (me && me.moderator));
  };

  function markers(entry, rest) {
    if (!entry.options.length) return [];
    const names = entry.options.map((o) => o.name).sort((a, b) => b.length - a.length);
    const rx = new RegExp("(^|\\s)(" + names.map((n) => n.replace(/[-]/g, "\\-")).join("|") + "):", "g");
    return [...rest.matchAll(rx)].map((m) => ({ name: m[2], start: m.index + m[1].length, end: m.index + m[0].length }));
  }

  function analyse(text) {
    if (!text.startsWith("/")) return null;
    const body = text.slice(1);
    const lower = body.toLowerCase();
    let entry = null;
    for (const c of myCommands()) {
      if ((lower === c.path || lower.startsWith(c.path + " ")) && (!entry || c.path.length > entry.path.length)) entry = c;
    }
    if (!entry || (lower === entry.path && !myCommands().some((c) => c.path.startsWith(entry.path + " ")))) {
      if (entry && lower === entry.path) return { stage: "exact", entry, query: lower };
      return { stage: "command", query: lower };
    }
    if (lower === entry.path) return { stage: "command", query: lower };
    const restStart = 1 + entry.path.length + 1;
    const rest = text.slice(restStart);
    const found = markers(entry, rest);
    const given = found.map((f) => f.name);
    if (!found.length) return { stage: "option-name", entry, query: rest.trim(), given, restStart };
    const last = found[found.length - 1];
    const value = rest.slice(last.end);
    const option = entry.options.find((o) => o.name === last.name);
    return { stage: "option-value", entry, option, value, given, valueStart: restStart + last.end };
  }

  function popupItems(a) {
    if (!a) return [];
    if (a.stage === "command" || a.stage === "exact") {
      // Discord's client lists every command (scrolling); only option choices are capped at 25.
      return myCommands()
        .filter((c) => c.path.startsWith(a.query) || c.path.includes(a.query))
        .map((c) => ({ label: "/" + c.path, detail: c.description, apply: "/" + c.path + " " }));
    }
    const names = (given) =>
      a.entry.options
        .filter((o) => !given.includes(o.name))
        .map((o) => ({
          label: o.name + (o.required ? " *" : ""),
          detail: o.description,
          insertOption: o.name,
        }));
    if (a.stage === "option-name") return names(a.given).filter((i) => i.insertOption.startsWith(a.query.replace(/:.*/, "")));
    const o = a.option;
    const partial = a.value.trim().toLowerCase();
    if (o.choices && o.choices.length) {
      return o.choices.filter((c) => String(c.name).toLowerCase().includes(partial)).map((c) => ({ label: c.name, insertValue: String(c.value) }));
    }
    if (o.type === 7) return S.channels.filter((c) => c.name.includes(partial.replace("#", ""))).map((c) => ({ label: "#" + c.name, insertValue: "#" + c.name }));
    if (o.type === 6) return S.members.filter((m) => m.name.toLowerCase().includes(partial.replace("@", ""))).map((m) => ({ label: "@" + m.name, insertValue: "@" + m.name }));
    if (o.type === 5) return ["true", "false"].map((v) => ({ label: v, insertValue: v }));
    if (o.type === 4 || o.type === 10) {
      const range = o.min_value !== undefined && o.max_value !== undefined ? ` from ${o.min_value} to ${o.max_value}` : "";
      return [{ label: `${o.name}: a ${o.type === 4 ? "whole " : ""}number${range}`, detail: o.description, hint: true }];
    }
    if (o.autocomplete) return S.popup.autocomplete && S.popup.autocomplete.text === $("box").value ? S.popup.autocomplete.items : [];
    if (a.value.endsWith(" ") && names(a.given).length) return names(a.given);
    return [{ label: o.name, detail: o.description, hint: true }];
  }

  let autocompleteTimer = null;

  function requestAutocomplete(a) {
    clearTimeout(autocompleteTimer);
    const text = $("box").value;
    autocompleteTimer = setTimeout(async () => {
      const answer = await post("/api/autocomplete", { text, member_id: S.me, channel_id: S.channel, locale: myLocale() });
      if ($("box").value !== text) return;
      S.popup.autocomplete = {
        text,
        items: (answer.choices || []).map((c) => ({ label: c.name, insertValue: String(c.value) })),
      };
      drawPopup(analyse(text));
    }, 120);
    return a;
  }

  function updateComposer() {
    hideError();
    const a = analyse($("box").value);
    if (a && a.stage === "option-value" && a.option.autocomplete) requestAutocomplete(a);
    drawPopup(a);
    drawOptionBar(a);
  }

  function drawPopup(a) {
    const popup = $("popup");
    const items = popupItems(a);
    S.popup.items = items;
    S.popup.index = Math.min(S.popup.index, Math.max(0, items.length - 1));
    popup.replaceChildren();
    if (!items.length || live.state !== "live") {
      popup.hidden = true;
      return;
    }
    const heading = a.stage === "command" || a.stage === "exact" ? "Commands" : a.stage === "option-name" ? "Options" : a.option.name;
    popup.appendChild(el("div", "popup-title", heading));
    const lit = highlighted(a);
    items.forEach((item, index) => {
      const selected = lit && index === S.popup.index && !item.hint;
      const row = popup.appendChild(el("div", "popup-item" + (item.hint ? " hint" : "") + (selected ? " selected" : "")));
      row.setAttribute("role", "option");
      row.setAttribute("aria-selected", String(selected));
      row.appendChild(el("span", "popup-label", item.label));
      if (item.detail) row.appendChild(el("span", "popup-detail", item.detail));
      if (!item.hint) row.addEventListener("mousedown", (event) => {
        event.preventDefault();
        apply(item);
      });
    });
    popup.hidden = false;
  }

  function drawOptionBar(a) {
    const bar = $("option-bar");
    bar.replaceChildren();
    if (!a || !a.entry) return;
    bar.appendChild(el("span", "bar-command", "/" + a.entry.path));
    for (const o of a.entry.options.filter((x) => x.type === 11)) {
      const label = bar.appendChild(el("label", "chip file" + (S.files[o.name] ? " given" : "") + (o.required ? " required" : "")));
      label.title = o.description || "";
      label.appendChild(document.createTextNode(S.files[o.name] ? `${o.name}: ${S.files[o.name].filename}` : `${o.name}: choose file…`));
      const input = label.appendChild(document.createElement("input"));
      input.type = "file";
      input.className = "file-input";
      input.dataset.option = o.name;
      input.addEventListener("change", () => {
        const file = input.files[0];
        if (!file) return;
        const reader = new FileReader();
        reader.onload = () => {
          S.files[o.name] = { filename: file.name, content: String(reader.result).split(",")[1] || "" };
          updateComposer();
          $("box").focus();
        };
        reader.readAsDataURL(file);
      });
    }
    for (const o of a.entry.options.filter((x) => x.type !== 11)) {
      const chip = bar.appendChild(el("span", "chip" + (o.required ? " required" : "") + ((a.given || []).includes(o.name) ? " given" : ""), o.name));
      chip.title = o.description || "";
      chip.addEventListener("mousedown", (event) => {
        event.preventDefault();
        apply({ insertOption: o.name });
      });
    }
  }

  function apply(item) {
    const box = $("box");
    if (item.apply) box.value = item.apply;
    else if (item.insertOption) box.value = box.value.replace(/\s*$/, " ") + item.insertOption + ":";
    else if (item.insertValue !== undefined) {
      const a = analyse(box.value);
      if (a && a.stage === "option-value") box.value = box.value.slice(0, a.valueStart) + item.insertValue + " ";
    }
    S.popup.index = 0;
    S.popup.chosen = false;
    box.focus();
    updateComposer();
  }

  // Is an item highlighted, so that Enter takes it? Commands are, from the first (as in Discord);
  // options and values only once the person moved to one, so a whole command typed out still runs.
  function highlighted(a) {
    return Boolean(a) && (a.stage === "command" || S.popup.chosen);
  }

  function showError(text) {
    const box = $("local-error");
    box.textContent = "⚠ " + text;
    box.hidden = false;
  }
  function hideError() {
    $("local-error").hidden = true;
  }

  async function submit() {
    const box = $("box");
    const text = box.value.trim();
    if (!text || live.state !== "live") return;
    if (!text.startsWith("/")) {
      showError("This playground talks to the bot through commands: start with / (try /cast or /trivia start).");
      return;
    }
    S.entered.push(performance.now());
    const a = analyse(text);
    const files = {};
    if (a && a.entry) for (const o of a.entry.options) if (o.type === 11 && S.files[o.name]) files[o.name] = S.files[o.name];
    const answer = await post("/api/run", { text, member_id: S.me, channel_id: S.channel, locale: myLocale(), files });
    if (!answer.ok) {
      S.entered.pop();
      showError(answer.error);
      return;
    }
    box.value = "";
    S.files = {};
    updateComposer();
  }

  function keydown(event) {
    const items = S.popup.items.filter((i) => !i.hint);
    const a = analyse($("box").value);
    const open = !$("popup").hidden && items.length > 0;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!open) return;
      event.preventDefault();
      if (!highlighted(a)) S.popup.index = event.key === "ArrowDown" ? 0 : items.length - 1;
      else S.popup.index = (S.popup.index + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
      S.popup.chosen = true;
      drawPopup(a);
    } else if (event.key === "Tab") {
      if (!items.length) return;
      event.preventDefault();
      apply(items[S.popup.index] || items[0]);
    } else if (event.key === "Escape") {
      $("popup").hidden = true;
    } else if (event.key === "Enter") {
      event.preventDefault();
      // The highlighted suggestion wins over sending, as in Discord's client.
      if (open && highlighted(a)) apply(items[S.popup.index] || items[0]);
      else submit();
    }
  }

  // --- clock -----------------------------------------------------------------------------------
  function tick() {
    const now = new Date(nowMs());
    $("clock-now").textContent =
      new Intl.DateTimeFormat(undefined, { weekday: "short", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" }).format(now) +
      (S.clock.speed !== 1 ? ` · ${S.clock.speed}×` : "");
    document.querySelectorAll("time.ts[data-style='R']").forEach((node) => {
      node.textContent = window.DiscordMarkdown.formatTimestamp(Number(node.dataset.ts), "R", nowMs());
    });
  }

  async function clockAction(body) {
    const answer = await post("/api/clock", body);
    if (!answer.ok) showError(answer.error);
    else setClock(answer.clock);
    refreshUpcoming();
  }

  // What the bot will do next on its own (countdown, question of the day, its reveal), or why not.
  let upcomingTimer = null;
  function refreshUpcoming() {
    clearTimeout(upcomingTimer);
    upcomingTimer = setTimeout(async () => {
      const answer = await post("/api/upcoming", {});
      if (!answer.ok || !Array.isArray(answer.upcoming)) return;
      if (answer.language) {
        const language = $("server-language");
        language.textContent = `🌐 In public: ${answer.language.name}`;
        language.dataset.language = answer.language.code;
      }
      const list = $("upcoming");
      list.replaceChildren();
      for (const item of answer.upcoming) {
        const li = document.createElement("li");
        li.dataset.feature = item.feature;
        const name = document.createElement("strong");
        name.textContent = item.feature;
        li.append(name, document.createTextNode(": "));
        if (item.at_ms !== null) {
          const when = window.DiscordMarkdown.formatTimestamp(Math.floor(item.at_ms / 1000), "f", nowMs());
          li.append(document.createTextNode(`${when} · `));
        }
        li.append(document.createTextNode(item.note));
        list.append(li);
      }
    }, 200);
  }

  window.__playground.handle = handle; // for the browser tests: feed the page a message as the socket would

  document.addEventListener("DOMContentLoaded", () => {
    $("box").addEventListener("input", () => {
      S.popup.index = 0; // new text, new list: nothing is highlighted until the person moves to it
      S.popup.chosen = false;
      updateComposer();
    });
    $("box").addEventListener("keydown", keydown);
    $("box").addEventListener("blur", () => setTimeout(() => ($("popup").hidden = true), 150));
    $("box").addEventListener("focus", updateComposer);
    $("box-form").addEventListener("submit", (event) => event.preventDefault());
    document.querySelectorAll("[data-speed]").forEach((b) => b.addEventListener("click", () => clockAction({ action: "speed", value: Number(b.dataset.speed) })));
    document.querySelectorAll("[data-advance]").forEach((b) => b.addEventListener("click", () => clockAction({ action: "advance", seconds: Number(b.dataset.advance) })));
    $("next-post").addEventListener("click", () => clockAction({ action: "next-post" }));
    window.addEventListener("focus", probeNow);
    document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && probeNow());
    setInterval(tick, 250);
    connect();
  });
})();
