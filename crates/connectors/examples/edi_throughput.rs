use std::time::Instant;

fn main() {
    let body = "BEG*00*SA*PO-12345**20260514~CUR*BY*USD~REF*DP*038~DTM*002*20260520~N1*BY*ACME STORES*91*ACME-001~N1*ST*ACME DC 4~N3*1 Dock Rd*Door 7~N4*Newark*NJ*07102*US~PO1*1*120*EA*9.25*TE*CB*065322-117*VN*AB3542~PID*F****SMALL WIDGET~PO4*4*4*EA*PLT94**3*LR*15*CT~PO1*2*220*EA*13.79*TE*CB*066850-116*VN*RD5322~PID*F****MEDIUM WIDGET~PO1*3*126*EA*10.99*TE*CB*060733-110*VN*XY5266~PID*F****LARGE WIDGET~CTT*3~";
    let segments = body.matches('~').count() + 2;
    let n = 150_000;
    let mut text = String::from(
        "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260514*0900*U*00401*000000001*0*P*>~\nGS*PO*SENDER*RECEIVER*20260514*0900*1*X*004010~\n",
    );
    for i in 1..=n {
        text.push_str(&format!("ST*850*{i:06}~\n{}\nSE*{segments}*{i:06}~\n", body));
    }
    text.push_str(&format!("GE*{n}*1~\nIEA*1*000000001~\n"));
    let bytes = text.into_bytes();
    let mb = bytes.len() as f64 / 1e6;
    println!("input: {mb:.1} MB, {n} transaction sets");
    let ctx = connectors::edi::MapContext::new("edi", "2026-05-15T00:00:00Z".parse().unwrap());
    for round in 0..5 {
        let t = Instant::now();
        let ix = connectors::edi::parse_interchange(&bytes).unwrap();
        let parse = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let outcomes = connectors::edi::to_events(&ix, &ctx);
        let map = t.elapsed().as_secs_f64();
        let events: usize = outcomes.iter().map(|o| o.events().len()).sum();
        println!(
            "round {round}: parse {:.0} MB/s; parse+map {:.0} MB/s ({events} events)",
            mb / parse,
            mb / (parse + map)
        );
    }
}
