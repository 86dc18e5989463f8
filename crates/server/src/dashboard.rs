//! The dashboard: one self-contained page that reads `/v1/stats` with the
//! API key the user pastes in (kept in the browser's local storage).

use axum::response::Html;

pub async fn page() -> Html<&'static str> {
    crate::routes::html(PAGE)
}

const PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>crossdock</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
 body{font:15px/1.4 system-ui,sans-serif;margin:2rem;color:#1d2430;background:#f7f8fa}
 h1{font-size:1.4rem;margin:0 0 1rem} .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:.75rem}
 .card{background:#fff;border:1px solid #dde2ea;border-radius:8px;padding:.75rem} .card b{display:block;font-size:1.5rem}
 #key{width:22rem} .muted{color:#667} #error{color:#b00020}
</style></head><body>
<h1>crossdock</h1>
<p><label>API key <input id="key" type="password" placeholder="paste the key crossdock demo printed"></label>
 <button id="save">Use key</button> <span id="error" role="alert"></span></p>
<div class="grid" id="totals"></div>
<h2>Orders by status</h2><div class="grid" id="status"></div>
<p class="muted">Refreshes every 2 s. API: <a href="/openapi.json">/openapi.json</a> · <a href="/metrics">/metrics</a></p>
<script>
const keyInput = document.getElementById('key');
keyInput.value = localStorage.getItem('crossdock-key') || '';
document.getElementById('save').onclick = () => { localStorage.setItem('crossdock-key', keyInput.value); refresh(); };
function card(label, value){ const d=document.createElement('div'); d.className='card'; d.dataset.label=label;
  const b=document.createElement('b'); b.textContent=value; d.append(b, document.createTextNode(label)); return d; }
async function refresh(){
  const key = localStorage.getItem('crossdock-key'); if(!key) return;
  try {
    const r = await fetch('/v1/stats', {headers:{Authorization:'Bearer '+key}});
    const s = await r.json();
    if(!r.ok){ document.getElementById('error').textContent = s.message; return; }
    document.getElementById('error').textContent = '';
    document.getElementById('totals').replaceChildren(card('events', s.events), card('orders with exceptions', s.orders_with_exceptions),
      card('items', s.items), card('outbox depth', s.outbox_depth));
    document.getElementById('status').replaceChildren(...Object.entries(s.orders_by_status).map(([k,v]) => card(k, v)));
  } catch(e) { document.getElementById('error').textContent = String(e); }
}
refresh(); setInterval(refresh, 2000);
</script></body></html>"#;
