//! Load tool: drives a *running* server over HTTP with a realistic mix and
//! reports throughput and latency percentiles per operation.
//!
//! Not a self-contained bench: start the server first (see the README,
//! "Benchmarks"), then
//!
//! ```sh
//! LOAD_TOKEN=abt_… cargo bench --bench load
//! ```
//!
//! Settings (environment): `LOAD_URL` (default `http://127.0.0.1:8080`; only
//! loopback addresses are accepted), `LOAD_TOKEN` (required; a token whose
//! roles may reserve, e.g. the demo ADMIN or SALES token), `LOAD_MIX`
//! (`mixed`, default, or `compat`: compatibility lookups only),
//! `LOAD_CONNECTIONS` (concurrent clients, default 64), `LOAD_SECONDS`
//! (default 20), `LOAD_REQUESTS` (stop after this many, default 200,000),
//! `LOAD_SERVER_PID` (print that process's peak and current RSS at the end,
//! and the CPU time it used per request: on a machine shared with other
//! work, that says more than requests per second).
//!
//! Every response is checked: a status other than 200, a body that is not
//! JSON, or a body with GraphQL `errors` is a failure. `userErrors` of a
//! reservation (e.g. the lot ran dry under concurrency) are counted apart as
//! refusals. The mixed workload's weights: compatibility lookup 35 %,
//! `skuStock` 15 %, `stock` 10 %, `lot` 10 %, `scan` 10 %, reserve then
//! release 10 % (two requests), case matching 10 %.

use std::{
    collections::BTreeMap,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use serde_json::{Value, json};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What the workload draws its arguments from, read from the server first.
#[derive(Default)]
struct Fixtures {
    platforms: Vec<(String, String)>,
    skus_in_stock: Vec<String>,
    lots: Vec<(String, String)>,
    scans: Vec<String>,
    reservable: Vec<String>,
    cases: Vec<String>,
}

#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    url: String,
    token: String,
}

enum Outcome {
    Ok(Value),
    Refused,
    Failed(String),
}

impl Client {
    async fn post(&self, query: &str, vars: Value) -> Outcome {
        let resp = self
            .http
            .post(&self.url)
            .bearer_auth(&self.token)
            .json(&json!({"query": query, "variables": vars}))
            .send()
            .await;
        let resp = match resp {
            Ok(r) => r,
            Err(e) => return Outcome::Failed(format!("transport: {e}")),
        };
        let status = resp.status();
        let body: Value = match resp.json().await {
            Ok(v) => v,
            Err(e) => return Outcome::Failed(format!("HTTP {status}, body not JSON: {e}")),
        };
        if !status.is_success() {
            return Outcome::Failed(format!("HTTP {status}: {body}"));
        }
        if body
            .get("errors")
            .and_then(Value::as_array)
            .is_some_and(|e| !e.is_empty())
        {
            return Outcome::Failed(format!("GraphQL errors: {}", body["errors"]));
        }
        let data = body["data"].clone();
        let user_errors = data
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(|p| p.get("userErrors"))
            .and_then(Value::as_array)
            .is_some_and(|e| !e.is_empty());
        if user_errors {
            Outcome::Refused
        } else {
            Outcome::Ok(data)
        }
    }

    async fn data(&self, query: &str, vars: Value) -> anyhow::Result<Value> {
        match self.post(query, vars).await {
            Outcome::Ok(d) => Ok(d),
            Outcome::Refused => bail!("setup query refused: {query}"),
            Outcome::Failed(e) => bail!("setup query failed: {e}"),
        }
    }
}

const TRIVIAL: &str = "{ __typename }";
const COMPAT: &str = "query($s: String!, $p: String!) { compatibleAbutments(system: $s, platform: $p, first: 20) { totalCount edges { node { articleNumber name abutmentType gingivalHeightMm angulationDeg material gtin } fit { source } } pageInfo { hasNextPage endCursor } } }";
const SKU_STOCK: &str = "query($a: String!) { skuStock(articleNumber: $a) { quantities { onHand reserved available quarantine onHold expired } lines { lot { lotNumber effectiveState expiryDate } location { code } onHand reserved available } } }";
const STOCK: &str = "query($a: String!) { stock(filter: { articleNumber: $a }) { edges { node { lot { lotNumber effectiveState } location { code locationType } onHand reserved available } } } }";
const LOT: &str = "query($l: String!, $a: String!) { lot(lotNumber: $l, articleNumber: $a) { lotNumber effectiveState expiryDate udi quantities { onHand available } movements(first: 20) { totalCount edges { node { at reason quantity reference } } } } }";
const SCAN: &str = "query($c: String!) { scan(code: $c) { gtin lotNumber expiryDate sku { articleNumber } lot { effectiveState stock { location { code } onHand } } warnings } }";
const RESERVE: &str = "mutation($a: String!, $r: String!) { reserveStock(input: { articleNumber: $a, quantity: 1, reference: $r }) { reservations { id lot { lotNumber } } userErrors { code message } } }";
const RELEASE: &str = "mutation($id: ID!) { releaseReservation(input: { reservationId: $id }) { reservations { status } userErrors { code message } } }";
const MATCHING: &str = "query($n: String!) { clinicalCase(number: $n) { status matching { options { decision sku { articleNumber } lot { lotNumber } available meetsDueDate } rejected { decision reason } } } }";

async fn fixtures(c: &Client) -> anyhow::Result<Fixtures> {
    let mut f = Fixtures::default();
    let systems = c
        .data(
            "{ implantSystems(first: 500) { edges { node { name platforms { name } } } } }",
            json!({}),
        )
        .await?;
    for e in systems["implantSystems"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let sys = e["node"]["name"].as_str().unwrap_or_default();
        for p in e["node"]["platforms"].as_array().into_iter().flatten() {
            f.platforms.push((
                sys.to_owned(),
                p["name"].as_str().unwrap_or_default().to_owned(),
            ));
        }
    }
    let stock = c
        .data(
            "{ stock(first: 500) { edges { node { available lot { lotNumber expiryDate sku { articleNumber gtin } } } } } }",
            json!({}),
        )
        .await?;
    let mut available: BTreeMap<String, i64> = BTreeMap::new();
    for edge in stock["stock"]["edges"].as_array().into_iter().flatten() {
        let line = &edge["node"];
        let lot = &line["lot"];
        let (Some(article), Some(gtin), Some(number)) = (
            lot["sku"]["articleNumber"].as_str(),
            lot["sku"]["gtin"].as_str(),
            lot["lotNumber"].as_str(),
        ) else {
            continue;
        };
        *available.entry(article.to_owned()).or_default() +=
            line["available"].as_i64().unwrap_or(0);
        f.lots.push((number.to_owned(), article.to_owned()));
        let expiry = lot["expiryDate"]
            .as_str()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map(|d| format!("(17){}", d.format("%y%m%d")))
            .unwrap_or_default();
        f.scans.push(format!("(01){gtin}{expiry}(10){number}"));
    }
    f.skus_in_stock = available.keys().cloned().collect();
    f.reservable = available
        .iter()
        .filter(|(_, n)| **n >= 10)
        .map(|(a, _)| a.clone())
        .collect();
    let cases = c
        .data(
            "{ clinicalCases(statuses: [OPEN], first: 500) { edges { node { number } } } }",
            json!({}),
        )
        .await?;
    f.cases = cases["clinicalCases"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["number"].as_str().map(str::to_owned))
        .collect();
    if f.platforms.is_empty() || f.lots.is_empty() {
        bail!("the server has no platforms or no stock: start it on the seeded database");
    }
    Ok(f)
}

#[derive(Default)]
struct Tally {
    times: BTreeMap<&'static str, Vec<Duration>>,
    failed: BTreeMap<&'static str, u64>,
    refused: BTreeMap<&'static str, u64>,
    first_failures: Vec<String>,
}

impl Tally {
    fn record(&mut self, op: &'static str, t: Duration, o: &Outcome) {
        match o {
            Outcome::Ok(_) => self.times.entry(op).or_default().push(t),
            Outcome::Refused => {
                self.times.entry(op).or_default().push(t);
                *self.refused.entry(op).or_default() += 1;
            }
            Outcome::Failed(e) => {
                *self.failed.entry(op).or_default() += 1;
                if self.first_failures.len() < 5 {
                    self.first_failures.push(format!("{op}: {e}"));
                }
            }
        }
    }

    fn merge(&mut self, other: Tally) {
        for (k, mut v) in other.times {
            self.times.entry(k).or_default().append(&mut v);
        }
        for (k, v) in other.failed {
            *self.failed.entry(k).or_default() += v;
        }
        for (k, v) in other.refused {
            *self.refused.entry(k).or_default() += v;
        }
        for f in other.first_failures {
            if self.first_failures.len() < 5 {
                self.first_failures.push(f);
            }
        }
    }
}

/// What a run sends: the mix, or one operation only.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mix {
    Mixed,
    Only(&'static str),
}

/// The operations a run can be limited to (`LOAD_MIX`, and the CPU phases).
const SINGLE_OPS: [&str; 7] = [
    "trivial",
    "compatibleAbutments",
    "skuStock",
    "scan",
    "stock",
    "lot",
    "clinicalCase.matching",
];

impl Mix {
    fn parse(s: &str) -> anyhow::Result<Mix> {
        match s {
            "" | "mixed" => Ok(Mix::Mixed),
            "compat" => Ok(Mix::Only("compatibleAbutments")),
            other => SINGLE_OPS
                .iter()
                .find(|o| o.eq_ignore_ascii_case(other))
                .map(|o| Mix::Only(o))
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "LOAD_MIX `{other}`: use mixed, compat or one of {SINGLE_OPS:?}"
                    )
                }),
        }
    }

    fn label(self) -> &'static str {
        match self {
            Mix::Mixed => "mixed",
            Mix::Only(op) => op,
        }
    }

    /// The roll of the mixed workload that picks this run's next operation.
    fn roll(self, rng: &mut StdRng) -> u32 {
        match self {
            Mix::Mixed => rng.random_range(0..100),
            Mix::Only("trivial") => 100,
            Mix::Only("skuStock") => 35,
            Mix::Only("stock") => 50,
            Mix::Only("lot") => 60,
            Mix::Only("scan") => 70,
            Mix::Only("clinicalCase.matching") => 90,
            Mix::Only(_) => 0,
        }
    }
}

async fn worker(
    id: u64,
    c: Client,
    f: Arc<Fixtures>,
    mix: Mix,
    deadline: Instant,
    budget: Arc<AtomicU64>,
) -> Tally {
    let mut rng = StdRng::seed_from_u64(id);
    let mut t = Tally::default();
    let mut n = 0u64;
    let take = |k: u64| {
        budget
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| b.checked_sub(k))
            .is_ok()
    };
    while Instant::now() < deadline {
        n += 1;
        let roll = mix.roll(&mut rng);
        let (op, query, vars): (&'static str, &str, Value) = match roll {
            0..35 => {
                let (s, p) = f.platforms.choose(&mut rng).cloned().unwrap_or_default();
                ("compatibleAbutments", COMPAT, json!({"s": s, "p": p}))
            }
            35..50 => {
                let a = f
                    .skus_in_stock
                    .choose(&mut rng)
                    .cloned()
                    .unwrap_or_default();
                ("skuStock", SKU_STOCK, json!({"a": a}))
            }
            50..60 => {
                let a = f
                    .skus_in_stock
                    .choose(&mut rng)
                    .cloned()
                    .unwrap_or_default();
                ("stock", STOCK, json!({"a": a}))
            }
            60..70 => {
                let (l, a) = f.lots.choose(&mut rng).cloned().unwrap_or_default();
                ("lot", LOT, json!({"l": l, "a": a}))
            }
            70..80 => {
                let code = f.scans.choose(&mut rng).cloned().unwrap_or_default();
                ("scan", SCAN, json!({"c": code}))
            }
            80..90 if !f.reservable.is_empty() => {
                if !take(2) {
                    break;
                }
                let a = f.reservable.choose(&mut rng).cloned().unwrap_or_default();
                let s = Instant::now();
                let o = c
                    .post(RESERVE, json!({"a": a, "r": format!("LOAD-{id}-{n}")}))
                    .await;
                t.record("reserveStock", s.elapsed(), &o);
                if let Outcome::Ok(d) = o {
                    for r in d["reserveStock"]["reservations"]
                        .as_array()
                        .into_iter()
                        .flatten()
                    {
                        let rid = r["id"].as_str().unwrap_or_default().to_owned();
                        let s = Instant::now();
                        let o = c.post(RELEASE, json!({"id": rid})).await;
                        t.record("releaseReservation", s.elapsed(), &o);
                    }
                }
                continue;
            }
            100 => ("trivial", TRIVIAL, json!({})),
            _ if !f.cases.is_empty() => {
                let number = f.cases.choose(&mut rng).cloned().unwrap_or_default();
                ("clinicalCase.matching", MATCHING, json!({"n": number}))
            }
            _ => {
                let (s, p) = f.platforms.choose(&mut rng).cloned().unwrap_or_default();
                ("compatibleAbutments", COMPAT, json!({"s": s, "p": p}))
            }
        };
        if !take(1) {
            break;
        }
        let s = Instant::now();
        let o = c.post(query, vars).await;
        t.record(op, s.elapsed(), &o);
    }
    t
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn rss(pid: &str) -> Option<String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let pick = |k: &str| {
        status
            .lines()
            .find(|l| l.starts_with(k))
            .map(|l| l[k.len()..].trim().to_owned())
    };
    Some(format!(
        "server RSS: peak (VmHWM) {}, now (VmRSS) {}",
        pick("VmHWM:")?,
        pick("VmRSS:")?
    ))
}

/// CPU seconds (user + system) a process has used so far.
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which is in parentheses): state is
    // field 3, utime 14 and stime 15, in clock ticks (100 per second on Linux).
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn main() -> anyhow::Result<()> {
    // One client thread: the server gets the rest of the machine.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let base = std::env::var("LOAD_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let parsed = reqwest::Url::parse(&base).with_context(|| format!("LOAD_URL `{base}`"))?;
    match parsed.host_str() {
        Some("127.0.0.1" | "localhost" | "[::1]") => {}
        other => bail!(
            "LOAD_URL: this tool only targets a server on this machine (127.0.0.1), not {other:?}"
        ),
    }
    let Ok(token) = std::env::var("LOAD_TOKEN") else {
        eprintln!(
            "LOAD_TOKEN is not set: the load tool needs a running server and a token (see README, Benchmarks); nothing measured."
        );
        return Ok(());
    };
    let connections: u64 = env_or("LOAD_CONNECTIONS", 64);
    let seconds: u64 = env_or("LOAD_SECONDS", 20);
    let max_requests: u64 = env_or("LOAD_REQUESTS", 200_000);
    let mix = Mix::parse(&std::env::var("LOAD_MIX").unwrap_or_default())?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(connections.max(64) as usize)
        .timeout(Duration::from_secs(30))
        .build()?;
    let client = Client {
        http,
        url: format!("{}/graphql", base.trim_end_matches('/')),
        token,
    };
    let f = Arc::new(fixtures(&client).await?);
    println!(
        "fixtures: {} platforms, {} SKUs in stock ({} reservable), {} lots, {} open cases",
        f.platforms.len(),
        f.skus_in_stock.len(),
        f.reservable.len(),
        f.lots.len(),
        f.cases.len()
    );
    println!(
        "mix={} connections={connections} seconds={seconds} max requests={max_requests} url={base}",
        mix.label()
    );
    let server_pid = std::env::var("LOAD_SERVER_PID").ok();
    let cpu_before = server_pid.as_deref().and_then(cpu_seconds);
    let (mut total, elapsed) = drive(&client, &f, mix, connections, seconds, max_requests).await?;
    let (all, mut failed_all) = print_table(&mut total, elapsed);
    if let Some(pid) = &server_pid {
        match rss(pid) {
            Some(r) => println!("{r}"),
            None => println!("server RSS: /proc/{pid}/status not readable"),
        }
        if let (Some(a), Some(b)) = (cpu_before, cpu_seconds(pid)) {
            println!(
                "server CPU: {:.1} s in {elapsed:.1} s ({:.0} % of one core), {:.0} µs per request; at that cost 2 idle cores would serve about {:.0} req/s",
                b - a,
                100.0 * (b - a) / elapsed,
                1e6 * (b - a) / all.max(1) as f64,
                2.0 * all as f64 / (b - a).max(1e-9)
            );
        }
        if std::env::var("LOAD_CPU").map_or(true, |v| v != "0") {
            failed_all += cpu_phases(&client, &f, pid).await?;
            if let Some(r) = rss(pid) {
                println!("{r}");
            }
        }
    }
    if failed_all > 0 {
        bail!("{failed_all} request(s) failed");
    }
    Ok(())
}

/// Runs `mix` on `connections` clients until `seconds` pass or
/// `max_requests` are sent; returns the tally and the seconds taken.
async fn drive(
    client: &Client,
    f: &Arc<Fixtures>,
    mix: Mix,
    connections: u64,
    seconds: u64,
    max_requests: u64,
) -> anyhow::Result<(Tally, f64)> {
    let budget = Arc::new(AtomicU64::new(max_requests));
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let handles: Vec<_> = (0..connections)
        .map(|i| {
            tokio::spawn(worker(
                i,
                client.clone(),
                f.clone(),
                mix,
                deadline,
                budget.clone(),
            ))
        })
        .collect();
    let mut total = Tally::default();
    for h in handles {
        total.merge(h.await?);
    }
    Ok((total, start.elapsed().as_secs_f64()))
}

/// Prints one line per operation and the total; returns (requests, failed).
fn print_table(total: &mut Tally, elapsed: f64) -> (usize, u64) {
    let mut all = 0usize;
    let mut failed_all = 0u64;
    println!(
        "\n{:<24} {:>8} {:>9} {:>8} {:>8} {:>8} {:>8} {:>7} {:>7}",
        "operation",
        "requests",
        "req/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "failed",
        "refused"
    );
    let ops: Vec<&'static str> = total
        .times
        .keys()
        .chain(total.failed.keys())
        .copied()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    for op in ops {
        let mut v = total.times.remove(op).unwrap_or_default();
        v.sort();
        let failed = total.failed.get(op).copied().unwrap_or(0);
        let n = v.len() + failed as usize;
        all += n;
        failed_all += failed;
        println!(
            "{:<24} {:>8} {:>9.0} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>7} {:>7}",
            op,
            n,
            n as f64 / elapsed,
            pct(&v, 0.50),
            pct(&v, 0.90),
            pct(&v, 0.99),
            pct(&v, 1.0),
            failed,
            total.refused.get(op).copied().unwrap_or(0)
        );
    }
    println!(
        "{:<24} {:>8} {:>9.0}   in {elapsed:.1} s; failed {failed_all}",
        "total",
        all,
        all as f64 / elapsed
    );
    for f in &total.first_failures {
        println!("failure: {}", f.chars().take(300).collect::<String>());
    }
    (all, failed_all)
}

/// Server CPU per request of each operation alone: `LOAD_CPU_REQUESTS`
/// (default 5,000) requests of one kind on `LOAD_CPU_CONNECTIONS` (default
/// 16) clients, the server's utime + stime read before and after. The
/// trivial query `{ __typename }` (authenticated, through the whole HTTP
/// and GraphQL stack) is the floor; it runs first and last, and each
/// figure is printed beside it. Returns the failed requests.
async fn cpu_phases(client: &Client, f: &Arc<Fixtures>, pid: &str) -> anyhow::Result<u64> {
    let n: u64 = env_or("LOAD_CPU_REQUESTS", 5_000);
    let conns: u64 = env_or("LOAD_CPU_CONNECTIONS", 16);
    let ops: Vec<&'static str> = match std::env::var("LOAD_CPU_OPS") {
        Ok(list) if !list.trim().is_empty() => list
            .split(',')
            .filter_map(|o| match Mix::parse(o.trim()) {
                Ok(Mix::Only(op)) => Some(op),
                _ => None,
            })
            .collect(),
        _ => SINGLE_OPS.to_vec(),
    };
    let mut phases: Vec<&'static str> = vec!["trivial"];
    phases.extend(ops.iter().copied().filter(|o| *o != "trivial"));
    phases.push("trivial");
    println!(
        "\nserver CPU per request, each operation alone: {n} requests on {conns} connections (CPU from /proc/{pid}/stat, 10 ms ticks)"
    );
    println!(
        "{:<24} {:>8} {:>12} {:>10} {:>9} {:>12} {:>8} {:>8}",
        "operation",
        "requests",
        "CPU µs/req",
        "× trivial",
        "req/s",
        "% trivial/s",
        "p50 ms",
        "p99 ms"
    );
    let mut floor: Option<(f64, f64)> = None;
    let mut failed_all = 0;
    for op in phases {
        let before = cpu_seconds(pid).context("server CPU not readable")?;
        let (mut t, elapsed) = drive(client, f, Mix::Only(op), conns, 600, n).await?;
        let after = cpu_seconds(pid).context("server CPU not readable")?;
        let mut v = t.times.remove(op).unwrap_or_default();
        v.sort();
        let failed: u64 = t.failed.values().sum();
        failed_all += failed;
        let done = (v.len() as u64 + failed).max(1) as f64;
        let us = 1e6 * (after - before) / done;
        let rate = done / elapsed;
        let (f_us, f_rate) = *floor.get_or_insert((us, rate));
        println!(
            "{:<24} {:>8} {:>12.0} {:>10.2} {:>9.0} {:>11.0} % {:>8.2} {:>8.2}{}",
            op,
            done,
            us,
            us / f_us,
            rate,
            100.0 * rate / f_rate,
            pct(&v, 0.5),
            pct(&v, 0.99),
            if failed > 0 {
                format!("  ({failed} failed)")
            } else {
                String::new()
            }
        );
        for e in &t.first_failures {
            println!("failure: {}", e.chars().take(300).collect::<String>());
        }
    }
    Ok(failed_all)
}
