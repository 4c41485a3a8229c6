// The search page. Over HTTP it searches with Pagefind (the bundles that
// search/shards.json lists, built with the site); opened from disk, where browsers
// refuse to load modules, it loads the offline index (search/fallback-index.js, a plain
// script) and matches Chinese by character
// bigrams: every two-character piece of a term must occur, so any two-character word is
// found without a dictionary. Results are built from text nodes and <mark> elements only;
// no indexed text is ever parsed as HTML.
(function () {
  "use strict";

  var PAGE = 20; // results shown at a time; a button shows more
  var EXCERPT = 80; // characters of text around the first hit
  var CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]/;

  // --- Matching (pure: also run by tests/unit/test_search.py under node) ---------------

  function normalise(text) {
    return String(text).toLowerCase();
  }

  function unique(items) {
    return items.filter(function (item, i) { return items.indexOf(item) === i; });
  }

  // A term's pieces: Chinese (and other unspaced scripts) as overlapping bigrams, other
  // words whole.
  function grams(term) {
    var chars = Array.from(term);
    if (chars.length <= 2 || !CJK.test(term)) { return [term]; }
    var out = [];
    for (var i = 0; i + 2 <= chars.length; i++) { out.push(chars[i] + chars[i + 1]); }
    return unique(out);
  }

  // Terms are split at spaces and punctuation: "五水共治 浙江" is two terms, both needed.
  function parseQuery(query) {
    var words = unique(normalise(query || "").split(/[\s\p{P}\p{S}]+/u).filter(Boolean));
    return words.map(function (word) { return { text: word, grams: grams(word) }; });
  }

  function count(haystack, needle) {
    var n = 0;
    for (var at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length)) { n++; }
    return n;
  }

  // 0 when a term is missing; otherwise higher for whole terms, most for ones in the title.
  function score(record, terms) {
    var total = 0;
    for (var i = 0; i < terms.length; i++) {
      var term = terms[i];
      var inTitle = count(record.hayTitle, term.text);
      var inText = count(record.hayText, term.text);
      if (inTitle + inText > 0) {
        total += 5 + 10 * inTitle + Math.min(inText, 10);
        continue;
      }
      for (var g = 0; g < term.grams.length; g++) {
        if (record.hayTitle.indexOf(term.grams[g]) < 0 && record.hayText.indexOf(term.grams[g]) < 0) { return 0; }
      }
      total += 1;
    }
    return total;
  }

  function passes(record, filters) {
    return (!filters.region || record.region.indexOf(filters.region) >= 0) &&
      (!filters.tag || record.tags.indexOf(filters.tag) >= 0) &&
      (!filters.year || record.year === filters.year);
  }

  // The text around the first hit as [{text, mark}] pieces: whole terms are marked where
  // they occur, otherwise their bigrams.
  function excerpt(text, terms, size) {
    size = size || EXCERPT;
    var lower = normalise(text);
    var needles = [];
    terms.forEach(function (term) {
      if (lower.indexOf(term.text) >= 0) { needles.push(term.text); } else { needles.push.apply(needles, term.grams); }
    });
    needles = unique(needles.filter(Boolean));
    var first = -1;
    needles.forEach(function (needle) {
      var at = lower.indexOf(needle);
      if (at >= 0 && (first < 0 || at < first)) { first = at; }
    });
    var start = first < 0 ? 0 : Math.max(0, first - Math.floor(size / 4));
    var end = Math.min(text.length, start + size);
    var ranges = [];
    needles.forEach(function (needle) {
      for (var at = lower.indexOf(needle, start); at >= 0 && at < end; at = lower.indexOf(needle, at + needle.length)) {
        ranges.push([at, Math.min(at + needle.length, end)]);
      }
    });
    ranges.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
    var merged = [];
    ranges.forEach(function (range) {
      var last = merged[merged.length - 1];
      if (last && range[0] <= last[1]) { last[1] = Math.max(last[1], range[1]); } else { merged.push(range.slice()); }
    });
    var pieces = [];
    var at = start;
    merged.forEach(function (range) {
      if (range[0] > at) { pieces.push({ text: text.slice(at, range[0]), mark: false }); }
      pieces.push({ text: text.slice(range[0], range[1]), mark: true });
      at = range[1];
    });
    if (at < end) { pieces.push({ text: text.slice(at, end), mark: false }); }
    if (start > 0) { pieces.unshift({ text: "…", mark: false }); }
    if (end < text.length) { pieces.push({ text: "…", mark: false }); }
    return pieces;
  }

  // The offline index's rows as records, with the lower-cased text matching runs on.
  function loadRecords(data) {
    var at = {};
    data.fields.forEach(function (name, i) { at[name] = i; });
    return data.records.map(function (row, order) {
      return {
        order: order, url: row[at.url], title: row[at.title], date: row[at.date],
        place: row[at.place], region: row[at.region], tags: row[at.tags], year: row[at.year],
        text: row[at.text], hayTitle: normalise(row[at.title]), hayText: normalise(row[at.text])
      };
    });
  }

  // Best first; ties keep the archive's order (newest reports first). An empty query
  // with a filter lists everything the filter keeps.
  function rankRecords(records, query, filters) {
    var terms = parseQuery(query);
    var hits = [];
    records.forEach(function (record) {
      if (!passes(record, filters || {})) { return; }
      var value = terms.length ? score(record, terms) : 1;
      if (value > 0) { hits.push({ record: record, score: value }); }
    });
    hits.sort(function (a, b) { return b.score - a.score || a.record.order - b.record.order; });
    return {
      total: hits.length,
      // Excerpts are made only for the results shown.
      items: function (start, count) {
        return hits.slice(start, start + count).map(function (hit) {
          var r = hit.record;
          return { url: r.url, title: r.title, date: r.date, place: r.place, excerpt: excerpt(r.text, terms) };
        });
      }
    };
  }

  function searchRecords(records, query, filters, limit) {
    var ranked = rankRecords(records, query, filters);
    return { total: ranked.total, items: ranked.items(0, limit || ranked.total) };
  }

  function filterCounts(records) {
    var counts = { region: {}, tag: {}, year: {} };
    function add(kind, value) { if (value) { counts[kind][value] = (counts[kind][value] || 0) + 1; } }
    records.forEach(function (r) {
      r.region.forEach(function (v) { add("region", v); });
      r.tags.forEach(function (v) { add("tag", v); });
      add("year", r.year);
    });
    return counts;
  }

  // Pagefind's excerpts are escaped text with <mark> around hits: split them into pieces
  // rather than hand them to innerHTML. Pagefind marks each indexed word, so 五水共治 comes
  // as four marks in a row: adjacent marks are joined into one.
  function markedPieces(html) {
    var entities = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": "\"", "&#39;": "'", "&#x27;": "'" };
    var pieces = [];
    var marked = false;
    String(html).split(/(<\/?mark>)/).forEach(function (part) {
      if (part === "<mark>") { marked = true; return; }
      if (part === "</mark>") { marked = false; return; }
      if (!part) { return; }
      var text = part.replace(/&(amp|lt|gt|quot|#39|#x27);/g, function (entity) { return entities[entity]; });
      var last = pieces[pieces.length - 1];
      if (last && last.mark === marked) { last.text += text; } else { pieces.push({ text: text, mark: marked }); }
    });
    return pieces;
  }

  // A query for Pagefind: each run of Chinese split into the fewest words of the index's
  // own vocabulary (`words`, a Set of words of two to six characters), single characters
  // where no word fits; other words as typed.
  function pagefindQuery(query, words) {
    var out = [];
    normalise(query || "").split(/[\s\p{P}\p{S}]+/u).filter(Boolean).forEach(function (term) {
      (term.match(/[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+|[^\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+/g) || []).forEach(function (run) {
        if (CJK.test(run)) { out.push.apply(out, segment(run, words)); } else { out.push(run); }
      });
    });
    return unique(out).join(" ");
  }

  function segment(run, words) {
    var chars = Array.from(run);
    var best = [[]]; // best[i]: the fewest pieces covering the first i characters
    for (var i = 1; i <= chars.length; i++) {
      best[i] = best[i - 1].concat([chars[i - 1]]);
      for (var size = 2; size <= 6 && size <= i; size++) {
        var word = chars.slice(i - size, i).join("");
        if (words.has(word) && best[i - size].length + 1 < best[i].length) {
          best[i] = best[i - size].concat([word]);
        }
      }
    }
    return best[chars.length];
  }

  var core = {
    grams: grams, parseQuery: parseQuery, excerpt: excerpt, loadRecords: loadRecords,
    searchRecords: searchRecords, filterCounts: filterCounts, markedPieces: markedPieces,
    pagefindQuery: pagefindQuery
  };
  if (typeof module === "object" && module.exports) {
    module.exports = core;
    return;
  }

  // --- The page ------------------------------------------------------------------------

  function getJson(url) {
    return fetch(url).then(function (response) {
      if (!response.ok) { throw new Error(url + ": " + response.status); }
      return response.json();
    });
  }

  // A large archive is indexed a year a bundle (search/shards.json lists them, the first
  // at pagefind/): the first is loaded, the others merged into it.
  function pagefindEngine(shardsUrl, wordsUrl, siteRoot) {
    var words = getJson(wordsUrl).then(function (list) { return new Set(list); });
    var bundles = getJson(shardsUrl).then(function (shards) {
      if (!shards.bundles.length) { throw new Error("没有可搜索的页面"); }
      return shards.bundles.map(function (bundle) { return new URL(bundle, siteRoot).href; });
    });
    return Promise.all([bundles.then(function (urls) { return import(urls[0] + "pagefind.js"); }),
                        words, bundles]).then(function (loaded) {
      var pagefind = loaded[0];
      var vocabulary = loaded[1];
      var others = loaded[2].slice(1);
      return pagefind.options({ excerptLength: 40 }).then(function () {
        // On a Chinese page Pagefind splits queries again with the browser's dictionary,
        // undoing pagefindQuery's split into the index's words. It reads the page language
        // once, when it starts: start it as for text it does not split, then put it back.
        // Merged bundles take the language the first one started with.
        var html = document.documentElement;
        var lang = html.getAttribute("lang");
        html.setAttribute("lang", "zxx");
        try { pagefind.init(); } finally { html.setAttribute("lang", lang); }
        return Promise.all(others.map(function (url) {
          return pagefind.mergeIndex(url, { excerptLength: 40 });
        }));
      }).then(function () {
        return {
          name: "pagefind",
          filters: function () { return pagefind.filters(); },
          search: function (query, filters) {
            var asked = query ? pagefindQuery(query, vocabulary) : null;
            return pagefind.search(asked, { filters: filters }).then(function (found) {
              return {
                total: found.results.length,
                // Each result's data is a fragment file of its own: load only those shown.
                page: function (start, count) {
                  var shown = found.results.slice(start, start + count);
                  return Promise.all(shown.map(function (result) { return result.data(); })).then(function (data) {
                    return data.map(function (d) {
                      return { url: d.url, title: d.meta.title, date: d.meta.date, place: d.meta.place,
                               excerpt: markedPieces(d.excerpt) };
                    });
                  });
                }
              };
            });
          }
        };
      });
    });
  }

  function OfflineOmitted(details) { this.details = details; }

  function fallbackEngine(url, siteRoot) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = url;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("离线索引文件缺失")); };
      document.head.appendChild(script);
    }).then(function () {
      var data = window.IPR_SEARCH_FALLBACK;
      if (!data) { throw new Error("离线索引文件无法读取"); }
      if (data.omitted) { throw new OfflineOmitted(data.omitted); }
      var records = loadRecords(data);
      var counts = filterCounts(records);
      return {
        name: "fallback",
        filters: function () { return Promise.resolve(counts); },
        search: function (query, filters) {
          var ranked = rankRecords(records, query, filters);
          return Promise.resolve({
            total: ranked.total,
            page: function (start, count) {
              var items = ranked.items(start, count);
              items.forEach(function (item) { item.url = new URL(item.url, siteRoot).href; });
              return Promise.resolve(items);
            }
          });
        }
      };
    });
  }

  function loadEngine(form) {
    var siteRoot = new URL(form.getAttribute("data-site-root"), location.href).href;
    var fallback = new URL(form.getAttribute("data-fallback"), location.href).href;
    if (location.protocol === "file:") { return fallbackEngine(fallback, siteRoot); }
    var shards = new URL(form.getAttribute("data-shards"), location.href).href;
    var words = new URL(form.getAttribute("data-words"), location.href).href;
    return pagefindEngine(shards, words, siteRoot).catch(function () { return fallbackEngine(fallback, siteRoot); });
  }

  var LABELS = { region: "地区", tag: "标签", year: "年份" };

  function fillFilters(form, counts, chosen) {
    Object.keys(LABELS).forEach(function (kind) {
      var select = form.elements[kind];
      var values = Object.keys(counts[kind] || {});
      values.sort(function (a, b) {
        if (kind === "year") { return (a === "年份不详") - (b === "年份不详") || b.localeCompare(a); }
        return a.localeCompare(b, "zh-CN");
      });
      if (chosen[kind] && values.indexOf(chosen[kind]) < 0) { values.unshift(chosen[kind]); }
      values.forEach(function (value) {
        var option = document.createElement("option");
        option.value = value;
        option.textContent = value + (counts[kind] && counts[kind][value] ? "（" + counts[kind][value] + "）" : "");
        option.selected = value === chosen[kind];
        select.appendChild(option);
      });
    });
    form.querySelector(".search-filters").hidden = false;
  }

  function render(list, items) {
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
      list.appendChild(li);
    });
  }

  // A button under the results that shows the next ones and moves focus to the first
  // of them, so keyboard readers go on where they were.
  function offerMore(list, found, shown) {
    if (shown >= found.total) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "search-more-results";
    function label() { button.textContent = "显示更多结果（已显示 " + shown + " 条，共 " + found.total + " 条）"; }
    label();
    button.addEventListener("click", function () {
      button.disabled = true;
      found.page(shown, PAGE).then(function (items) {
        var first = list.children.length;
        render(list, items);
        shown += items.length;
        var link = list.children[first] && list.children[first].querySelector("a");
        if (link) { link.focus(); }
        if (shown >= found.total) { button.remove(); } else { label(); button.disabled = false; }
      });
    });
    list.insertAdjacentElement("afterend", button);
  }

  function size(bytes) {
    return bytes >= 1e6 ? (bytes / 1e6).toFixed(1).replace(/\.0$/, "") + " MB" : Math.ceil(bytes / 1e3) + " KB";
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
    var params = new URLSearchParams(location.search);
    var query = (params.get("q") || "").trim();
    var chosen = { region: params.get("region") || "", tag: params.get("tag") || "", year: params.get("year") || "" };
    var filters = {};
    Object.keys(chosen).forEach(function (kind) { if (chosen[kind]) { filters[kind] = chosen[kind]; } });
    form.elements.q.value = query;
    var searching = query || Object.keys(filters).length;
    status.textContent = searching ? "正在搜索…" : "";
    form.setAttribute("data-state", "loading");
    loadEngine(form).then(function (engine) {
      form.setAttribute("data-engine", engine.name);
      return engine.filters().then(function (counts) {
        fillFilters(form, counts, chosen);
        if (!searching) {
          status.textContent = "请输入关键词，按回车搜索。";
          return;
        }
        var started = performance.now();
        return engine.search(query, filters).then(function (found) {
          return found.page(0, PAGE).then(function (items) {
            form.setAttribute("data-search-ms", (performance.now() - started).toFixed(1));
            render(list, items);
            var what = describe(query, filters);
            if (!found.total) {
              status.textContent = "无结果：没有找到与" + what + "相符的报告或页面。请换一个关键词，或去掉筛选条件。";
            } else {
              status.textContent = "找到 " + found.total + " 条与" + what + "相符的结果。";
              offerMore(list, found, items.length);
            }
          });
        });
      });
    }).catch(function (problem) {
      if (problem instanceof OfflineOmitted) {
        status.textContent = "从磁盘打开本站时不能搜索：本档案的离线搜索索引约 " +
          size(problem.details.bytes) + "，超过 " + size(problem.details.limit) +
          " 的上限，构建时没有生成。请通过网络服务器打开本站后再搜索，或按档案、标签和地区浏览。";
      } else {
        status.textContent = "搜索索引载入失败（" + (problem && problem.message || problem) + "）。请按档案、标签和地区浏览。";
      }
    }).then(function () {
      form.setAttribute("data-state", "done");
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
