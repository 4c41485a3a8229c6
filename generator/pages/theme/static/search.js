// The search page. The index is script files under search/ (written by the build, see
// docs/search.md) that hand their data to window.__iprSearch: loaded with <script>, so
// the same files work from a web server, under a subpath and from disk (file://, where
// browsers refuse fetch). A query is folded as the index was (traditional characters to
// simplified, Latin to lower case), split into terms at spaces and punctuation, and each
// term into tokens: its Chinese characters in overlapping pairs (a single character
// alone), its Latin words and numbers whole. Only the shards holding those tokens are
// loaded; the reports listed under all of them are candidates, and a candidate is shown
// only once its own text, loaded then, is seen to hold every term. Results are ranked:
// titles that hold the query first, then reports that hold it often, then the rest,
// newer first within each; the twenty shown at a time are ordered by how often and how
// close the terms occur in their text (docs/search.md, "Ranking"). Results are built
// from text nodes and <mark> elements only: no indexed text is ever parsed as HTML.
(function () {
  "use strict";

  var PAGE = 20; // results shown at a time; a button shows more
  var EXCERPT = 80; // characters of text around the first hit
  var CJK = "\\u3040-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\uac00-\\ud7af\\u{20000}-\\u{3ffff}";
  var WORD = "0-9a-z\\u00df-\\u00f6\\u00f8-\\u00ff\\u0100-\\u024f";
  var LABELS = { region: "地区", tag: "标签", year: "年份" };

  // --- The index, as its script files register it -----------------------------------

  var store = { meta: null, shards: {}, docs: {} };
  var registry = window.__iprSearch = window.__iprSearch || {};
  registry.meta = function (version, data) { store.meta = data; store.version = version; };
  registry.shard = function (number, data) { store.shards[number] = data; };
  registry.docs = function (number, rows) { store.docs[number] = rows; };
  // Documents come compressed (raw DEFLATE in base64), read by DecompressionStream.
  var unpacking = {};
  registry.docz = function (number, packed) {
    var bytes;
    if (Uint8Array.fromBase64) {
      bytes = Uint8Array.fromBase64(packed);
    } else {
      var binary = atob(packed);
      bytes = new Uint8Array(binary.length);
      for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    }
    // Written straight into the stream: a Blob's stream is read through the browser
    // process, several times slower for these small files.
    var inflating = new DecompressionStream("deflate-raw");
    var writer = inflating.writable.getWriter();
    writer.write(bytes).catch(function () {}); // a failure rejects the text below
    writer.close().catch(function () {});
    unpacking[number] = new Response(inflating.readable).text().then(function (text) {
      store.docs[number] = JSON.parse(text);
    });
  };

  var scripts = {};
  function loadScript(url) {
    if (!scripts[url]) {
      scripts[url] = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = url;
        script.async = true;
        script.onload = function () { resolve(); };
        script.onerror = function () { reject(new Error("索引文件缺失：" + url)); };
        document.head.appendChild(script);
      });
    }
    return scripts[url];
  }

  function pad(number, width) {
    var text = String(number);
    while (text.length < width) { text = "0" + text; }
    return text;
  }

  // --- Folding and tokens (the same as generator/search/fold.py) ---------------------

  // The table as an array by UTF-16 unit (the characters outside the BMP in a map),
  // the text walked once and copied only where a character changes: a report's text
  // has few such characters, and this runs over the text of every result.
  var folding = null, foldingAstral = null;
  function foldTable() {
    var table = store.meta.fold;
    folding = new Uint16Array(65536);
    foldingAstral = new Map();
    for (var i = 0; i < table.length;) {
      var from = table.codePointAt(i);
      i += from > 0xffff ? 2 : 1;
      var to = table.codePointAt(i);
      i += to > 0xffff ? 2 : 1;
      if (from > 0xffff) { foldingAstral.set(from, String.fromCodePoint(to)); } else { folding[from] = to; }
    }
  }

  function fold(text) {
    if (!folding) { foldTable(); }
    text = String(text);
    var out = "", last = 0;
    for (var i = 0; i < text.length; i++) {
      var c = text.charCodeAt(i);
      if (folding[c] !== 0) {
        out += text.slice(last, i) + String.fromCharCode(folding[c]);
        last = i + 1;
      } else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
        var d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d < 0xe000) {
          var to = foldingAstral.get((c - 0xd800) * 0x400 + d - 0xdc00 + 0x10000);
          if (to !== undefined) { out += text.slice(last, i) + to; last = i + 2; }
          i++;
        }
      }
    }
    return last === 0 ? text : out + text.slice(last);
  }

  var RUNS = new RegExp("([" + CJK + "]+)|[" + WORD + "]+", "gu");

  function termTokens(term) {
    var found = [];
    term.replace(RUNS, function (match, run) {
      if (run === undefined) { found.push(match); return match; }
      var chars = Array.from(run);
      if (chars.length === 1) { found.push(run); }
      for (var i = 0; i + 1 < chars.length; i++) { found.push(chars[i] + chars[i + 1]); }
      return match;
    });
    return found.filter(function (token, i) { return found.indexOf(token) === i; });
  }

  // Terms are split at spaces and punctuation: "五水共治 浙江" is two terms, both needed.
  function parseQuery(query) {
    var terms = [];
    fold(query || "").split(/[\s\p{P}\p{S}]+/u).forEach(function (text) {
      var tokens = termTokens(text);
      if (tokens.length && !terms.some(function (t) { return t.text === text; })) {
        terms.push({ text: text, tokens: tokens, exact: tokens.length === 1 && tokens[0] === text });
      }
    });
    return terms;
  }

  function shardOf(token, shards) {
    var hash = 0;
    for (var ch of token) { hash = (Math.imul(hash, 31) + ch.codePointAt(0)) >>> 0; }
    return hash % shards;
  }

  // A posting list: gaps between document numbers, each in base 32, its last digit from
  // 0-9a-v and the digits before it from A-Zwxyz-_ (index.py writes them). DIGITS holds
  // a character's value, plus 32 for the digits before the last.
  var DIGITS = new Int8Array(128);
  (function () {
    var i;
    for (i = 0; i < 10; i++) { DIGITS[48 + i] = i; }
    for (i = 0; i < 22; i++) { DIGITS[97 + i] = 10 + i; }
    for (i = 0; i < 26; i++) { DIGITS[65 + i] = 32 + i; }
    for (i = 0; i < 4; i++) { DIGITS[119 + i] = 58 + i; }
    DIGITS[45] = 62;
    DIGITS[95] = 63;
  })();
  var decoded = new Int32Array(1024); // reused: a list is counted, then dropped

  // The list's documents into `decoded`; returns how many.
  function decode(text) {
    if (decoded.length < text.length) { decoded = new Int32Array(text.length); }
    var n = 0, last = -1, value = 0;
    for (var i = 0; i < text.length; i++) {
      var digit = DIGITS[text.charCodeAt(i) & 127];
      if (digit < 32) { last += value * 32 + digit; decoded[n++] = last; value = 0; } else { value = value * 32 + digit - 32; }
    }
    return n;
  }

  // Which documents of a body list hold the token often: a bit each, six to a character
  // of BITS, the first the lowest (index.py's encode_bits).
  var BITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var BIT_VALUES = new Int8Array(128).fill(-1);
  for (var b = 0; b < BITS.length; b++) { BIT_VALUES[BITS.charCodeAt(b)] = b; }

  // Adds one to count[n] for each document n of the list, and to often[n] for each whose
  // bit is set. A document in every one of k lists then counts k: intersecting the lists
  // is one pass over each and one over the documents, with no list built between.
  function countList(text, count, bits, often) {
    var n = decode(text), k;
    for (k = 0; k < n; k++) { count[decoded[k]]++; }
    for (var i = 0; bits && i < bits.length; i++) {
      var code = bits.charCodeAt(i), value = code < 128 ? BIT_VALUES[code] : -1;
      for (var bit = 0; bit < 6; bit++) {
        k = i * 6 + bit;
        if (value >> bit & 1 && k < n) { often[decoded[k]]++; }
      }
    }
  }

  // The documents holding every token (and every filter's token), in rank tiers: those
  // whose title holds every token, then those holding each token FREQUENT times or more,
  // then the rest; newest first (the numbers' order) within each.
  function candidates(tokens, filterTokens) {
    var size = store.meta.documents;
    var inBody = new Uint32Array(size), inTitle = new Uint32Array(size), often = new Uint32Array(size);
    function entry(token) { return store.shards[shardOf(token, store.meta.shards)][token]; }
    tokens.forEach(function (token) {
      var found = entry(token);
      if (typeof found === "string") { countList(found, inBody, null, null); }
      else if (found !== undefined) {
        countList(found[0], inBody, found[2], often);
        countList(found[1], inTitle, null, null);
      }
    });
    filterTokens.forEach(function (token) {
      var found = entry(token);
      if (found !== undefined) { countList(typeof found === "string" ? found : found[0], inBody, null, null); }
    });
    var lists = tokens.length + filterTokens.length, tiers = [[], [], []];
    for (var n = 0; lists && n < size; n++) {
      if (inBody[n] === lists) {
        tiers[!tokens.length ? 0 : inTitle[n] === tokens.length ? 2 : often[n] === tokens.length ? 1 : 0].push(n);
      }
    }
    return tiers[2].concat(tiers[1], tiers[0]);
  }

  // --- Documents ------------------------------------------------------------------

  function docUrl(base, file) { return new URL("doc/" + pad(file, 5) + ".js", base).href; }

  function loadDocs(base, numbers) {
    var per = store.meta.perFile;
    var files = [];
    numbers.forEach(function (n) {
      var file = Math.floor(n / per);
      if (files.indexOf(file) < 0 && !store.docs[file]) { files.push(file); }
    });
    return Promise.all(files.map(function (file) {
      return loadScript(docUrl(base, file)).then(function () { return unpacking[file]; });
    }));
  }

  function docOf(number) {
    var per = store.meta.perFile;
    var row = store.docs[Math.floor(number / per)][number % per];
    var doc = { url: row[0], title: row[1], date: row[2], place: row[3], region: row[4],
                tags: row[5], year: row[6], text: row[7], source: row[8] };
    var parts = [doc.title, doc.tags.join(" "), doc.place, doc.region.join(" "), doc.text, doc.source];
    doc.folded = fold(parts.join("\n"));
    // Folding keeps every length, so the text's folding is where the text is.
    doc.foldedText = doc.folded.substr(parts.slice(0, 4).join("\n").length + 1, doc.text.length);
    return doc;
  }

  function holds(doc, terms) {
    return terms.every(function (term) { return doc.folded.indexOf(term.text) >= 0; });
  }

  // How a document that holds every term ranks among the results shown with it: whether
  // its title holds every term, how often the rarest term occurs, and the length of the
  // shortest stretch of text that holds every term (docs/search.md, "Ranking").
  function score(doc, terms) {
    var title = fold(doc.title);
    var hits = [], count = Infinity;
    terms.forEach(function (term, which) {
      var times = 0;
      for (var at = doc.folded.indexOf(term.text); at >= 0; at = doc.folded.indexOf(term.text, at + term.text.length)) {
        times++;
        hits.push([at, at + term.text.length, which]);
      }
      count = Math.min(count, times);
    });
    hits.sort(function (a, b) { return a[0] - b[0]; });
    var span = Infinity, seen = terms.map(function () { return 0; }), missing = terms.length, first = 0;
    for (var last = 0; last < hits.length; last++) {
      if (seen[hits[last][2]]++ === 0) { missing--; }
      while (missing === 0) {
        var end = 0;
        for (var k = first; k <= last; k++) { end = Math.max(end, hits[k][1]); }
        span = Math.min(span, end - hits[first][0]);
        if (--seen[hits[first][2]] === 0) { missing++; }
        first++;
      }
    }
    return { title: terms.every(function (term) { return title.indexOf(term.text) >= 0; }),
             count: terms.length ? count : 0, span: span };
  }

  function byRank(a, b) {
    return (b.rank.title - a.rank.title) || (b.rank.count - a.rank.count) ||
      (a.rank.span - b.rank.span) || (a.number - b.number);
  }

  // The text around the first hit as [{text, mark}] pieces, every term marked: offsets in
  // the folded text are offsets in the original (folding keeps every length).
  function excerpt(text, terms, size, folded) {
    size = size || EXCERPT;
    folded = folded === undefined ? fold(text) : folded;
    var first = -1;
    terms.forEach(function (term) {
      var at = folded.indexOf(term.text);
      if (at >= 0 && (first < 0 || at < first)) { first = at; }
    });
    var start = first < 0 ? 0 : Math.max(0, first - Math.floor(size / 3));
    var end = Math.min(text.length, start + size);
    var ranges = [];
    terms.forEach(function (term) {
      for (var at = folded.indexOf(term.text, start); at >= 0 && at < end; at = folded.indexOf(term.text, at + term.text.length)) {
        ranges.push([at, Math.min(end, at + term.text.length)]);
      }
    });
    ranges.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
    var pieces = [], at = start;
    if (start > 0) { pieces.push({ text: "…", mark: false }); }
    ranges.forEach(function (range) {
      if (range[0] < at) { return; }
      if (range[0] > at) { pieces.push({ text: text.slice(at, range[0]), mark: false }); }
      pieces.push({ text: text.slice(range[0], range[1]), mark: true });
      at = range[1];
    });
    if (at < end) { pieces.push({ text: text.slice(at, end), mark: false }); }
    if (end < text.length) { pieces.push({ text: "…", mark: false }); }
    return pieces;
  }

  // --- Searching --------------------------------------------------------------------

  function search(base, siteRoot, query, filters) {
    var terms = parseQuery(query);
    var filterTokens = Object.keys(filters).map(function (kind) { return "#" + kind + ":" + filters[kind]; });
    var wanted = [];
    terms.forEach(function (term) { wanted.push.apply(wanted, term.tokens); });
    wanted.push.apply(wanted, filterTokens);
    var shards = [];
    wanted.forEach(function (token) {
      var shard = shardOf(token, store.meta.shards);
      if (shards.indexOf(shard) < 0 && !store.shards[shard]) { shards.push(shard); }
    });
    return Promise.all(shards.map(function (shard) {
      return loadScript(new URL("idx/" + pad(shard, 4) + ".js", base).href);
    })).then(function () {
      var tokens = [];
      terms.forEach(function (term) { tokens.push.apply(tokens, term.tokens); });
      var order = candidates(tokens, filterTokens);
      var exact = terms.every(function (term) { return term.exact; });
      var cursor = 0;
      var result = {
        total: exact ? order.length : null, // null: known once every candidate is checked
        candidates: order.length,
        more: function () { return cursor < order.length; },
        // The next `count` results, each checked against its own text, in rank order.
        page: function (count) {
          var items = [];
          function step() {
            if (items.length >= count || cursor >= order.length) { return Promise.resolve(items); }
            var batch = order.slice(cursor, cursor + Math.max(count - items.length, 4));
            return loadDocs(base, batch).then(function () {
              batch.forEach(function (n) {
                cursor++;
                var doc = docOf(n);
                if (!exact && !holds(doc, terms)) { return; }
                items.push({ url: new URL(doc.url, siteRoot).href, title: doc.title, date: doc.date,
                             place: doc.place, excerpt: excerpt(doc.text, terms, EXCERPT, doc.foldedText),
                             number: n, rank: score(doc, terms) });
              });
              return step();
            });
          }
          return step().then(function (shown) {
            if (result.total === null && cursor >= order.length) { result.total = -1; }
            return shown.sort(byRank);
          });
        }
      };
      return result;
    });
  }

  // --- The page ----------------------------------------------------------------------

  function fillFilters(form, chosen) {
    var lists = store.meta.filters;
    var collator = new Intl.Collator("zh-CN"); // one, not one a comparison
    Object.keys(LABELS).forEach(function (kind) {
      var select = form.elements[kind];
      var counts = {};
      (lists[kind] || []).forEach(function (pair) { counts[pair[0]] = pair[1]; });
      var values = Object.keys(counts);
      values.sort(function (a, b) {
        // Years ("2024年") newest first, by their digits; 年份不详 last.
        if (kind === "year") { return (a === "年份不详") - (b === "年份不详") || (a < b) - (b < a); }
        return collator.compare(a, b);
      });
      if (chosen[kind] && values.indexOf(chosen[kind]) < 0) { values.unshift(chosen[kind]); }
      values.forEach(function (value) {
        var option = document.createElement("option");
        option.value = value;
        option.textContent = value + (counts[value] ? "（" + counts[value] + "）" : "");
        option.selected = value === chosen[kind];
        select.appendChild(option);
      });
    });
    form.querySelector(".search-filters").hidden = false;
  }

  // Built apart and added at once: one layout for the twenty, not one each.
  function render(list, items) {
    var all = document.createDocumentFragment();
    items.forEach(function (item) {
      var li = document.createElement("li");
      var heading = document.createElement("h2");
      var link = document.createElement("a");
      link.href = item.url;
      link.textContent = item.title || item.url;
      heading.appendChild(link);
      li.appendChild(heading);
      var where = [item.date, item.place].filter(Boolean).join(" · ");
      if (where) {
        var meta = document.createElement("p");
        meta.className = "meta";
        meta.textContent = where;
        li.appendChild(meta);
      }
      var text = document.createElement("p");
      text.className = "excerpt";
      item.excerpt.forEach(function (piece) {
        if (piece.mark) {
          var mark = document.createElement("mark");
          mark.textContent = piece.text;
          text.appendChild(mark);
        } else {
          text.appendChild(document.createTextNode(piece.text));
        }
      });
      li.appendChild(text);
      all.appendChild(li);
    });
    list.appendChild(all);
  }

  // A button under the results that shows the next ones and moves focus to the first
  // of them, so keyboard readers go on where they were.
  function offerMore(list, found, shown, status, what) {
    if (!found.more()) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "search-more-results";
    function label() {
      button.textContent = found.total > 0 ? "显示更多结果（已显示 " + shown + " 条，共 " + found.total + " 条）"
        : "显示更多结果（已显示 " + shown + " 条）";
    }
    label();
    button.addEventListener("click", function () {
      button.disabled = true;
      found.page(PAGE).then(function (items) {
        var first = list.children.length;
        render(list, items);
        shown += items.length;
        var link = list.children[first] && list.children[first].querySelector("a");
        if (link) { link.focus(); }
        if (!found.more()) {
          button.remove();
          if (!(found.total > 0)) { status.textContent = "找到 " + shown + " 条与" + what + "相符的结果。"; }
        } else { label(); button.disabled = false; }
      });
    });
    list.insertAdjacentElement("afterend", button);
  }

  function describe(query, filters) {
    var parts = query ? ["“" + query + "”"] : [];
    Object.keys(LABELS).forEach(function (kind) {
      if (filters[kind]) { parts.push(LABELS[kind] + "：" + filters[kind]); }
    });
    return parts.join("，");
  }

  function start() {
    var form = document.getElementById("search");
    var status = document.getElementById("search-status");
    var list = document.getElementById("search-results");
    if (!form || !status || !list) { return; }
    // The Enter that picks an input method's candidate does not search.
    form.elements.q.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.isComposing || event.keyCode === 229)) { event.preventDefault(); }
    });
    var params = new URLSearchParams(location.search);
    var query = (params.get("q") || "").trim();
    var chosen = { region: params.get("region") || "", tag: params.get("tag") || "", year: params.get("year") || "" };
    var filters = {};
    Object.keys(chosen).forEach(function (kind) { if (chosen[kind]) { filters[kind] = chosen[kind]; } });
    form.elements.q.value = query;
    var searching = query || Object.keys(filters).length;
    status.textContent = searching ? "正在搜索…" : "";
    form.setAttribute("data-state", "loading");
    var meta = new URL(form.getAttribute("data-index"), location.href).href;
    var siteRoot = new URL(form.getAttribute("data-site-root"), location.href).href;
    var started = performance.now();
    var filled = false;
    function fill() { // once, and also when the search fails: the filters still work
      if (!filled && store.meta) { filled = true; fillFilters(form, chosen); }
    }
    // meta.js is loaded by the page itself, after this script, before DOMContentLoaded.
    (store.meta ? Promise.resolve() : loadScript(meta)).then(function () {
      if (!store.meta) { throw new Error("索引文件无效"); }
      if (!searching) {
        fill();
        status.textContent = "请输入关键词，按回车搜索。";
        return;
      }
      return search(meta, siteRoot, query, filters).then(function (found) {
        // The documents of the first results are asked for first; the filters are
        // filled while they load (the first collation loads the browser's tables).
        var first = found.page(PAGE);
        fill();
        return first.then(function (items) {
          render(list, items);
          form.setAttribute("data-search-ms", (performance.now() - started).toFixed(1));
          var what = describe(query, filters);
          if (!items.length) {
            status.textContent = "无结果：没有找到与" + what + "相符的报告或页面。请换一个关键词，或去掉筛选条件。";
            return;
          }
          status.textContent = found.total > 0 ? "找到 " + found.total + " 条与" + what + "相符的结果。"
            : found.more() ? "找到与" + what + "相符的结果，已显示前 " + items.length + " 条。"
              : "找到 " + items.length + " 条与" + what + "相符的结果。";
          offerMore(list, found, items.length, status, what);
        });
      });
    }).catch(function (problem) {
      status.textContent = "搜索索引载入失败（" + (problem && problem.message || problem) + "）。请按档案、标签和地区浏览。";
      try { fill(); } catch (unfilled) { /* the index is unreadable: the message above says so */ }
    }).then(function () {
      form.setAttribute("data-state", "done");
    });
  }

  // Deferred, this runs before the page's meta.js: start once that has run too.
  if (document.readyState === "complete") {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();
