//! The `process_*` metrics of the Prometheus client conventions (CPU time,
//! memory, file descriptors, start time), read from `/proc` on Linux, and the
//! build-info gauge.

use std::fmt::Write;

/// Appends the process metrics (Linux only; elsewhere nothing).
pub fn render(out: &mut String) {
    #[cfg(target_os = "linux")]
    linux(out);
    #[cfg(not(target_os = "linux"))]
    let _ = out;
}

#[cfg(target_os = "linux")]
fn linux(out: &mut String) {
    let Ok(me) = procfs::process::Process::myself() else {
        return;
    };
    let mut gauge = |name: &str, kind: &str, help: &str, value: f64| {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
        );
    };
    if let Ok(stat) = me.stat() {
        let ticks = procfs::ticks_per_second() as f64;
        gauge(
            "process_cpu_seconds_total",
            "counter",
            "Total user and system CPU time spent in seconds.",
            (stat.utime + stat.stime) as f64 / ticks,
        );
        gauge(
            "process_resident_memory_bytes",
            "gauge",
            "Resident memory size in bytes.",
            (stat.rss * procfs::page_size()) as f64,
        );
        gauge(
            "process_virtual_memory_bytes",
            "gauge",
            "Virtual memory size in bytes.",
            stat.vsize as f64,
        );
        if let Ok(boot) = procfs::boot_time_secs() {
            gauge(
                "process_start_time_seconds",
                "gauge",
                "Start time of the process since unix epoch in seconds.",
                boot as f64 + stat.starttime as f64 / ticks,
            );
        }
    }
    if let Ok(n) = me.fd_count() {
        gauge(
            "process_open_fds",
            "gauge",
            "Number of open file descriptors.",
            n as f64,
        );
    }
    if let Ok(limits) = me.limits()
        && let procfs::process::LimitValue::Value(max) = limits.max_open_files.soft_limit
    {
        gauge(
            "process_max_fds",
            "gauge",
            "Maximum number of open file descriptors.",
            max as f64,
        );
    }
}

/// Appends `abutment_build_info`: always 1, the build in its labels.
pub fn build_info(out: &mut String) {
    let clean = |s: &str| s.replace(['"', '\\', '\n'], "_");
    let _ = writeln!(
        out,
        "# HELP abutment_build_info The running build (value 1).\n# TYPE abutment_build_info gauge\nabutment_build_info{{version=\"{}\",commit=\"{}\",rustc=\"{}\",profile=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION"),
        clean(env!("ABUTMENT_GIT_COMMIT")),
        clean(env!("ABUTMENT_RUSTC_VERSION")),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
}
