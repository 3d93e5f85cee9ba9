// Discord markdown to DOM nodes, built from text only: no HTML string from a message is ever parsed.
// Covers what the bot sends: bold, italics, underline, strikethrough, inline code and code blocks,
// block quotes, ||spoilers|| (hidden until clicked), mentions shown as names (never a ping),
// <t:unix:style> timestamps in the viewer's own time zone and locale, and masked http(s) links.
"use strict";

(function () {
  const INLINE = new RegExp(
    [
      /\\([*_~`|\\<>#[\]()-])/.source, // 1 escaped character
      /(`+)([\s\S]*?[^`])\2(?!`)/.source, // 2 ticks, 3 code
      /\|\|([\s\S]+?)\|\|/.source, // 4 spoiler
      /\*\*([\s\S]+?)\*\*(?!\*)/.source, // 5 bold
      /__([\s\S]+?)__(?!_)/.source, // 6 underline
      /\*([^\s*](?:[\s\S]*?[^\s*])?)\*(?!\*)/.source, // 7 italic
      /\b_([^\s_](?:[\s\S]*?[^\s_])?)_(?![A-Za-z0-9_])/.source, // 8 italic
      /~~([\s\S]+?)~~/.source, // 9 strikethrough
      /<@!?(\d+)>/.source, // 10 user mention
      /<@&(\d+)>/.source, // 11 role mention
      /<#(\d+)>/.source, // 12 channel mention
      /<t:(-?\d{1,13})(?::([tTdDfFR]))?>/.source, // 13 timestamp, 14 style
      /\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)/.source, // 15 link text, 16 url
    ].join("|"),
    "g"
  );

  const STYLES = {
    t: { hour: "numeric", minute: "2-digit" },
    T: { hour: "numeric", minute: "2-digit", second: "2-digit" },
    d: { year: "numeric", month: "2-digit", day: "2-digit" },
    D: { year: "numeric", month: "long", day: "numeric" },
    f: { year: "numeric", month: "long", day: "numeric", hour: "numeric", minute: "2-digit" },
    F: { weekday: "long", year: "numeric", month: "long", day: "numeric", hour: "numeric", minute: "2-digit" },
  };
  const UNITS = [
    ["year", 31536000],
    ["month", 2592000],
    ["day", 86400],
    ["hour", 3600],
    ["minute", 60],
    ["second", 1],
  ];

  // JavaScript's Date holds ±100,000,000 days around 1970 (±8.64e15 ms); the <t:…> pattern allows 13
  // digits, past that. A Date outside it is invalid and formatting one throws, so clamp to the range.
  const MAX_SECONDS = 8.64e12;
  const clampSeconds = (seconds) => (Number.isFinite(seconds) ? Math.max(-MAX_SECONDS, Math.min(MAX_SECONDS, seconds)) : 0);

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function relative(seconds, nowMs) {
    const diff = seconds - nowMs / 1000;
    const format = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
    for (const [unit, size] of UNITS) {
      if (Math.abs(diff) >= size || unit === "second") return format.format(Math.round(diff / size), unit);
    }
    return "";
  }

  function formatTimestamp(seconds, style, nowMs) {
    seconds = clampSeconds(seconds);
    if (style === "R") return relative(seconds, nowMs);
    return new Intl.DateTimeFormat(undefined, STYLES[style] || STYLES.f).format(new Date(seconds * 1000));
  }

  function timestamp(raw, style, ctx) {
    const seconds = clampSeconds(raw);
    const node = el("time", "ts", formatTimestamp(seconds, style, ctx.now()));
    node.dataset.ts = String(seconds);
    node.dataset.style = style;
    node.dateTime = new Date(seconds * 1000).toISOString();
    node.title = formatTimestamp(seconds, "F", ctx.now());
    return node;
  }

  function spoiler(parent, inner, ctx) {
    const node = el("span", "spoiler");
    node.setAttribute("role", "button");
    node.setAttribute("aria-label", "Spoiler: click to reveal");
    node.tabIndex = 0;
    const reveal = () => {
      node.classList.add("revealed");
      node.removeAttribute("aria-label");
    };
    node.addEventListener("click", reveal);
    node.addEventListener("keydown", (e) => e.key === "Enter" && reveal());
    inline(node, inner, ctx);
    parent.appendChild(node);
  }

  function inline(parent, text, ctx) {
    let last = 0;
    INLINE.lastIndex = 0;
    const matches = [...text.matchAll(INLINE)];
    for (const m of matches) {
      if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      last = m.index + m[0].length;
      if (m[1] !== undefined) parent.appendChild(document.createTextNode(m[1]));
      else if (m[3] !== undefined) parent.appendChild(el("code", "inline-code", m[3].replace(/^ | $/g, "")));
      else if (m[4] !== undefined) spoiler(parent, m[4], ctx);
      else if (m[5] !== undefined) inline(parent.appendChild(el("strong")), m[5], ctx);
      else if (m[6] !== undefined) inline(parent.appendChild(el("u")), m[6], ctx);
      else if (m[7] !== undefined) inline(parent.appendChild(el("em")), m[7], ctx);
      else if (m[8] !== undefined) inline(parent.appendChild(el("em")), m[8], ctx);
      else if (m[9] !== undefined) inline(parent.appendChild(el("s")), m[9], ctx);
      else if (m[10] !== undefined) parent.appendChild(el("span", "mention", "@" + ctx.userName(m[10])));
      else if (m[11] !== undefined) parent.appendChild(el("span", "mention", "@" + ctx.roleName(m[11])));
      else if (m[12] !== undefined) parent.appendChild(el("span", "mention", "#" + ctx.channelName(m[12])));
      else if (m[13] !== undefined) parent.appendChild(timestamp(Number(m[13]), m[14] || "f", ctx));
      else if (m[15] !== undefined) {
        const link = el("a", "link", m[15]);
        link.href = new URL(m[16]).href;
        link.rel = "noopener noreferrer nofollow";
        link.target = "_blank";
        link.title = m[16];
        parent.appendChild(link);
      }
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function lines(parent, text, ctx) {
    text.split("\n").forEach((line, index) => {
      if (index) parent.appendChild(document.createElement("br"));
      inline(parent, line, ctx);
    });
  }

  // Block level: code blocks first, then block quotes, then lines.
  function render(text, ctx) {
    const fragment = document.createDocumentFragment();
    const parts = String(text || "").split(/```(?:[a-z0-9_+-]*\n)?([\s\S]*?)```/i);
    parts.forEach((part, index) => {
      if (index % 2 === 1) {
        fragment.appendChild(el("pre", "code-block")).appendChild(el("code", null, part.replace(/\n$/, "")));
        return;
      }
      let quote = null;
      let plain = [];
      const flush = () => {
        if (plain.length) {
          const span = fragment.appendChild(el("span", "text"));
          lines(span, plain.join("\n"), ctx);
          plain = [];
        }
      };
      for (const line of part.split("\n")) {
        const quoted = /^>>> ([\s\S]*)$/.exec(line) || /^> ?(.*)$/.exec(line);
        if (quoted && line.startsWith(">")) {
          flush();
          if (!quote) quote = fragment.appendChild(el("blockquote"));
          else quote.appendChild(document.createElement("br"));
          inline(quote, quoted[1], ctx);
        } else {
          quote = null;
          plain.push(line);
        }
      }
      flush();
    });
    return fragment;
  }

  window.DiscordMarkdown = { render, formatTimestamp };
})();
