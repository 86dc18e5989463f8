//! The dashboard: one self-contained page (inline CSS and JS, no external
//! assets) that works with the API key the user pastes in, kept in the
//! browser's local storage. It asks the copilot (`/v1/ask`), shows `/v1/stats` and the review queue
//! (`/v1/reviews`), where a reviewer approves or rejects what waits, with a
//! reason. The two parts fail apart: a key that may not read statistics can
//! still review, and the other way round.
//!
//! Data from the API only ever reaches the page as text (`textContent`),
//! never as markup: an order id or a note cannot inject script.

use std::sync::LazyLock;

use axum::response::Html;
use engine::governance::Workflow;

pub async fn page() -> Html<&'static str> {
    crate::routes::html(PAGE.as_str())
}

/// The page, with the workflow filter's options taken from [`Workflow::ALL`]
/// so that a new workflow appears without editing the script.
static PAGE: LazyLock<String> = LazyLock::new(|| {
    let workflows: Vec<&str> = Workflow::ALL.iter().map(|w| w.as_str()).collect();
    TEMPLATE.replace("__WORKFLOWS__", &serde_json::to_string(&workflows).unwrap_or_else(|_| "[]".into()))
});

const TEMPLATE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>crossdock</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
 body{font:15px/1.4 system-ui,sans-serif;margin:2rem;color:#1d2430;background:#f7f8fa}
 h1{font-size:1.4rem;margin:0 0 1rem} h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
 .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:.75rem}
 .card{background:#fff;border:1px solid #dde2ea;border-radius:8px;padding:.75rem} .card b{display:block;font-size:1.5rem}
 #key{width:22rem} .muted{color:#667} .error{color:#b00020} .error:empty,#review-status:empty{display:none}
 #review-status{color:#0a6b2d}
 #review-list{list-style:none;padding:0;margin:0;display:grid;gap:.75rem}
 .review{background:#fff;border:1px solid #dde2ea;border-radius:8px;padding:.75rem 1rem}
 .review.overdue{border-left:4px solid #b00020}
 .review header{display:flex;flex-wrap:wrap;gap:.35rem 1rem;align-items:baseline}
 .review header .subject{font-size:1.1rem} .review code{background:#eef1f5;border-radius:4px;padding:0 .3rem}
 .badge{background:#b00020;color:#fff;border-radius:4px;padding:0 .4rem;font-size:.8rem;font-weight:600}
 .review .body{display:grid;grid-template-columns:1fr 2fr;gap:1rem;margin-top:.5rem}
 .review h3{font-size:.9rem;margin:.4rem 0 .2rem} .review h4{font-size:.85rem;margin:.3rem 0 .1rem;color:#445}
 .review ul{margin:0;padding-left:1.2rem} .review li{margin:.1rem 0}
 .answer{display:flex;gap:.5rem;align-items:center;margin-top:.6rem;flex-wrap:wrap}
 .answer input{flex:1 1 100%;padding:.3rem} .answer button{padding:.3rem .9rem}
 button.approve{background:#0a6b2d;color:#fff;border:1px solid #0a6b2d;border-radius:4px}
 button.reject{background:#fff;color:#b00020;border:1px solid #b00020;border-radius:4px}
 pre{background:#f3f5f8;padding:.5rem;overflow:auto;max-height:16rem;font-size:.8rem}
 #ask-form{display:flex;gap:.5rem;max-width:48rem} #ask-question{flex:1;padding:.35rem}
 #ask-answer{background:#fff;border:1px solid #dde2ea;border-radius:8px;padding:.6rem .9rem;max-width:48rem}
 #ask-answer:empty,#ask-sources:empty,#ask-error:empty{display:none}
</style></head><body>
<h1>crossdock</h1>
<p><label>API key <input id="key" type="password" placeholder="paste the key crossdock demo printed"></label>
 <button id="save">Use key</button> <span id="error" class="error" role="alert"></span></p>
<h2 id="ask-title">Ask</h2>
<form id="ask-form"><input id="ask-question" aria-labelledby="ask-title" placeholder="where is order 1001? · is SKU-123 available anywhere else? · what is our return window?">
 <button id="ask" type="submit">Ask</button></form>
<p id="ask-answer" role="status"></p><p id="ask-sources" class="muted"></p><p id="ask-error" class="error" role="alert"></p>
<div class="grid" id="totals"></div>
<h2>Orders by status</h2><div class="grid" id="status"></div>
<h2 id="reviews-title">Review queue</h2>
<p><label>Workflow <select id="review-workflow"><option value="">all workflows</option></select></label>
 <span id="review-count" class="muted"></span></p>
<p id="review-status" role="status"></p>
<p id="review-error" class="error" role="alert"></p>
<ol id="review-list" aria-labelledby="reviews-title"></ol>
<p class="muted">Statistics refresh every 2 s, the queue every 5 s. API: <a href="/openapi.json">/openapi.json</a> · <a href="/metrics">/metrics</a></p>
<script>
const WORKFLOWS = __WORKFLOWS__;
const $ = id => document.getElementById(id);
const keyInput = $('key'), workflowSelect = $('review-workflow'), list = $('review-list');
keyInput.value = localStorage.getItem('crossdock-key') || '';
for (const w of WORKFLOWS) workflowSelect.append(new Option(w.replaceAll('_', ' '), w));
$('save').onclick = () => {
  localStorage.setItem('crossdock-key', keyInput.value.trim());
  // Another key may see another queue: start over.
  list.replaceChildren(); $('review-count').textContent = ''; $('review-status').textContent = ''; queueError('', null);
  refresh(); refreshQueue();
};
workflowSelect.onchange = () => { list.replaceChildren(); refreshQueue(); };
const currentKey = () => localStorage.getItem('crossdock-key');

/// An element with text (never markup) and optional class.
function el(tag, text, cls){ const e = document.createElement(tag); if(text !== undefined && text !== null) e.textContent = text; if(cls) e.className = cls; return e; }

/// What went wrong, in plain words, from an API error answer.
function plain(status, body, doing){
  const said = body && typeof body.message === 'string' ? body.message : 'the server answered ' + status + '.';
  switch(status){
    case 401: return 'This key was not accepted: ' + said + ' Paste a valid API key above.';
    case 403: return 'This key may not ' + doing + '. ' + said;
    case 404: return 'Could not ' + doing + ': it no longer exists or is outside what this key may see.';
    case 409: return 'Could not ' + doing + ', it changed meanwhile: ' + said;
    case 422: return 'Could not ' + doing + ': ' + said;
    default: return 'Could not ' + doing + ' (HTTP ' + status + '): ' + said;
  }
}

async function call(method, path, body){
  const key = currentKey();
  const init = {method, headers:{Authorization:'Bearer ' + key}};
  if(body !== undefined){ init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
  const r = await fetch(path, init);
  let json = null; try { json = await r.json(); } catch(_) {}
  return {key, ok: r.ok, status: r.status, body: json};
}

function card(label, value){ const d = el('div', null, 'card'); d.dataset.label = label;
  d.append(el('b', value), document.createTextNode(label)); return d; }
async function refresh(){
  if(!currentKey()) return;
  try {
    const r = await call('GET', '/v1/stats');
    if(!r.ok){
      // Cards another key could read are not this key's to show.
      if(r.status === 401 || r.status === 403){ $('totals').replaceChildren(); $('status').replaceChildren(); }
      $('error').textContent = 'Statistics: ' + plain(r.status, r.body, 'read the statistics'); return;
    }
    const s = r.body;
    $('error').textContent = '';
    $('totals').replaceChildren(card('events', s.events), card('orders with exceptions', s.orders_with_exceptions),
      card('items', s.items), card('outbox depth', s.outbox_depth));
    $('status').replaceChildren(...Object.entries(s.orders_by_status).map(([k,v]) => card(k, v)));
  } catch(e) { $('error').textContent = 'Statistics: the server did not answer (' + e.message + ').'; }
}

// The queue's alert says either why the queue cannot be read or why the
// last decision failed; a good refresh clears only the former.
let errorFrom = null;
function queueError(text, from){ $('review-error').textContent = text; errorFrom = text ? from : null; }

const percent = x => typeof x === 'number' ? Math.round(x * 100) + '%' : '—';
function age(s){
  if(s < 60) return s + ' s';
  const m = Math.floor(s / 60); if(m < 60) return m + ' min';
  const h = Math.floor(m / 60); if(h < 24) return h + ' h ' + (m % 60) + ' min';
  return Math.floor(h / 24) + ' d ' + (h % 24) + ' h';
}
/// One line for a value of any shape: what a person needs, not the JSON.
function summary(v){
  if(v === null || v === undefined) return '—';
  if(typeof v === 'number') return String(Math.round(v * 100) / 100);
  if(typeof v === 'boolean') return v ? 'yes' : 'no';
  if(typeof v !== 'object') return String(v);
  if(Array.isArray(v)) return v.length ? v.slice(0, 5).map(summary).join(', ') + (v.length > 5 ? ', …' : '') : 'none';
  if(typeof v.label === 'string') return v.label + (Array.isArray(v.nodes) && v.nodes.length ? ' (' + v.nodes.join(', ') + ')' : '');
  const parts = [];
  // A plan: what ships from where, and what it costs.
  if(Array.isArray(v.assignments)) parts.push('ships ' + v.assignments.map(a => a.quantity + ' × ' + a.sku + ' from ' + a.node).join(', '));
  if(v.cost && typeof v.cost.total === 'number') parts.push('total cost ' + summary(v.cost.total));
  for(const [k, x] of Object.entries(v)){
    const scalar = x !== null && typeof x !== 'object', list = Array.isArray(x) && x.length && x.every(i => typeof i !== 'object');
    if((scalar || list) && parts.length < 8) parts.push(k.replaceAll('_', ' ') + ': ' + summary(x));
  }
  if(parts.length) return parts.join(', ');
  const s = JSON.stringify(v); return s.length > 160 ? s.slice(0, 157) + '…' : s;
}
/// An alternative in words: its own note when that says more than its summary.
function alternative(a){
  const said = summary(a.option);
  const text = a.note && !said.includes(a.note) ? a.note : said;
  return text + ' — score ' + summary(a.score);
}
const signed = w => (w > 0 ? '+' : '') + (Math.round(w * 100) / 100);
function bullets(items, line){ const ul = el('ul'); for(const i of items) ul.append(el('li', line(i))); return ul; }

function decisionBlock(d){
  const box = el('div', null, 'decision');
  const head = [String(d.kind || 'decision').replaceAll('_', ' ') + ' decision', 'confidence ' + percent(d.confidence)];
  if(d.model) head.push('model ' + summary(d.model));
  box.append(el('h3', head.join(' · ')));
  if(d.output !== undefined) box.append(el('div', 'Chose: ' + summary(d.output)));
  const why = Array.isArray(d.explanation) ? d.explanation : [];
  if(why.length) box.append(bullets(why, f => f.description + (typeof f.weight === 'number' && f.weight !== 0 ? ' (' + signed(f.weight) + ')' : '')));
  const alts = Array.isArray(d.alternatives) ? d.alternatives : [];
  box.append(el('h4', alts.length ? 'Alternatives' : 'Alternatives: none considered'));
  // The best few in sight; the rest one click away.
  if(alts.length) box.append(bullets(alts.slice(0, 3), alternative));
  if(alts.length > 3){
    const more = el('details'); more.append(el('summary', (alts.length - 3) + ' more'), bullets(alts.slice(3), alternative));
    box.append(more);
  }
  return box;
}

function setAge(li, item){
  const overdue = !!(item.sla && item.sla.overdue);
  li.querySelector('.age').textContent = 'waiting ' + age(item.age_seconds || 0);
  li.querySelector('.badge').hidden = !overdue;
  li.classList.toggle('overdue', overdue);
}

function reviewItem(item){
  const li = el('li', null, 'review');
  li.dataset.id = item.id; li.dataset.subject = item.subject;
  const header = el('header');
  header.append(el('b', 'Order ' + item.subject, 'subject'), el('span', item.workflow.replaceAll('_', ' ') + ' workflow'), el('code', item.kind),
    el('span', 'Confidence ' + percent(item.confidence)), el('span', null, 'age muted'), el('span', 'overdue', 'badge'));
  if(item.connection) header.append(el('span', 'to ' + item.connection, 'muted'));
  if(item.assignee) header.append(el('span', 'assigned to ' + item.assignee, 'muted'));
  const left = el('div'), right = el('div');
  left.append(el('h3', 'Why it waits'));
  const gate = item.gate && Array.isArray(item.gate.explanation) ? item.gate.explanation : [];
  left.append(gate.length ? bullets(gate, String) : el('p', 'The gateway gave no reason.', 'muted'));
  const decisions = item.decision && Array.isArray(item.decision.decisions) ? item.decision.decisions : [];
  if(decisions.length) for(const d of decisions) right.append(decisionBlock(d));
  else right.append(el('p', 'No recorded decision behind this action.', 'muted'));
  if(item.payload !== null && item.payload !== undefined){
    const details = el('details'); details.append(el('summary', 'Message it would send'), el('pre', JSON.stringify(item.payload, null, 2)));
    left.append(details);
  }
  const body = el('div', null, 'body'); body.append(left, right);
  // Next to why it waits, so the buttons are in sight however long the evidence.
  const answer = el('div', null, 'answer');
  const reason = el('input', null, 'reason'); reason.type = 'text';
  reason.placeholder = 'Reason (kept in the audit trail)'; reason.setAttribute('aria-label', 'Reason for order ' + item.subject);
  const approve = el('button', 'Approve', 'approve'), reject = el('button', 'Reject', 'reject');
  approve.onclick = () => decide(li, item, true); reject.onclick = () => decide(li, item, false);
  answer.append(reason, approve, reject);
  left.insertBefore(answer, left.querySelector('details'));
  li.append(header, body);
  setAge(li, item);
  return li;
}

function countText(){ const n = list.children.length; $('review-count').textContent = n === 0 ? 'nothing waits for review' : n === 1 ? '1 item waits' : n + ' items wait'; }

async function refreshQueue(){
  if(!currentKey()) return;
  const workflow = workflowSelect.value;
  let r;
  try { r = await call('GET', '/v1/reviews?status=review&limit=100' + (workflow ? '&workflow=' + encodeURIComponent(workflow) : '')); }
  catch(e) { queueError('The review queue could not be read: the server did not answer (' + e.message + ').', 'read'); return; }
  // An answer for a key or filter no longer in use is dropped.
  if(r.key !== currentKey() || workflow !== workflowSelect.value) return;
  if(!r.ok){ list.replaceChildren(); $('review-count').textContent = ''; queueError(plain(r.status, r.body, 'read the review queue'), 'read'); return; }
  if(errorFrom === 'read') queueError('', null);
  // Keep the items already shown (and any reason being typed); add new ones, drop decided ones.
  const shown = new Map([...list.children].map(li => [li.dataset.id, li]));
  const items = r.body.items || [];
  const ids = new Set(items.map(i => String(i.id)));
  for(const [id, li] of shown) if(!ids.has(id)) li.remove();
  for(const item of items){
    if(decided.has(String(item.id))) continue;
    const li = shown.get(String(item.id));
    if(li) setAge(li, item); else list.append(reviewItem(item));
  }
  countText();
}

// Items decided on this page: a refresh that was under way meanwhile must not bring them back.
const decided = new Set();
async function decide(li, item, approve){
  const verb = approve ? 'approve' : 'reject';
  const what = 'item ' + item.id + ' for order ' + item.subject;
  const reason = li.querySelector('input.reason');
  const buttons = li.querySelectorAll('button');
  buttons.forEach(b => b.disabled = true);
  let r;
  try { r = await call('POST', '/v1/reviews/' + encodeURIComponent(item.id) + '/' + verb, {reason: reason.value}); }
  catch(e) { queueError('Could not ' + verb + ' ' + what + ': the server did not answer (' + e.message + ').', 'decide'); buttons.forEach(b => b.disabled = false); return; }
  buttons.forEach(b => b.disabled = false);
  if(r.ok){
    decided.add(String(item.id)); li.remove(); countText(); queueError('', null);
    $('review-status').textContent = approve
      ? 'Approved ' + what + (r.body.status === 'executed' ? ': ' + item.kind + ' goes out through the outbox.' : ' (now ' + r.body.status + ').')
      : 'Rejected ' + what + ': ' + item.kind + ' will not be sent. The reason is in the audit trail.';
    return;
  }
  queueError(plain(r.status, r.body, verb + ' ' + what), 'decide');
  // Decided elsewhere, blocked by a policy now, or gone: it no longer waits here.
  if(r.status === 409 || r.status === 404){ decided.add(String(item.id)); li.remove(); countText(); }
  else if(r.status === 422) reason.focus();
}

// The copilot: a question in plain words, answered from live data within this key's scope.
$('ask-form').onsubmit = async ev => {
  ev.preventDefault();
  const question = $('ask-question').value.trim();
  if(!question) return;
  $('ask-error').textContent = ''; $('ask-sources').textContent = ''; $('ask-answer').textContent = '';
  let r;
  try { r = await call('POST', '/v1/ask', {question}); }
  catch(e) { $('ask-error').textContent = 'The server did not answer (' + e.message + ').'; return; }
  if(!r.ok){ $('ask-error').textContent = plain(r.status, r.body, 'ask questions'); return; }
  $('ask-answer').textContent = r.body.answer;
  const sources = r.body.citations || [];
  $('ask-sources').textContent = sources.length ? 'Sources: ' + sources.join(', ') : '';
};

refresh(); refreshQueue();
setInterval(refresh, 2000); setInterval(refreshQueue, 5000);
</script></body></html>"#;
