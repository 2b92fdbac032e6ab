// streamscope-cli serve: the health rules, always on, for Prometheus and alerting.
#include "CliCommon.h"
#include "MonitorService.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QHostInfo>
#include <QSocketNotifier>

#include <cmath>
#include <csignal>

namespace streamscope::cli {

namespace {

const char serveHelp[] =
    "Usage: streamscope-cli [connection options] serve [PATTERN] --listen [HOST:]PORT\n"
    "       [options]\n\n"
    "Runs the polling and health rules of the desktop app continuously, without a display,\n"
    "and serves over HTTP:\n"
    "  /metrics  Prometheus text format: per stream length, entries added, last entry age;\n"
    "            per group lag (entries), time lag (s), pending, oldest pending age,\n"
    "            consumers, entries read, findings; per consumer pending, idle, inactive;\n"
    "            streamscope_up, poll duration, commands sent (names: streamscope_*)\n"
    "  /health   The doctor report, as 'doctor --json' prints it: 200 when there is no\n"
    "            finding, 503 when there are findings, the picture is partial (a cluster node\n"
    "            missing, streams or rules not examined) or the server does not answer\n"
    "            (then {\"error\": ...}); header X-StreamScope-Doctor-Exit: doctor's exit code\n"
    "  /ready    200 once the first poll answered and while the server answers, else 503\n"
    "            with the reason\n"
    "Alerts go out on transitions only (a finding appears, changes severity, or clears),\n"
    "with hysteresis. It reconnects by itself and never exits on a server outage\n"
    "(streamscope_up 0 then, and no per-stream series is served as if current). SIGTERM or\n"
    "SIGINT stops it cleanly (exit 0). Works on a standalone server, a cluster and through\n"
    "Sentinel with the usual connection options. Progress and errors go to stderr, with a\n"
    "line saying where it listens (\"listening on http://...\").\n\n"
    "Options:\n"
    "  --listen [HOST:]PORT    Where to serve (required): PORT alone is loopback\n"
    "                          (127.0.0.1); 0.0.0.0:PORT or [::]:PORT for every interface\n"
    "                          (warned about: there is no authentication); IPv6 in\n"
    "                          brackets ([::1]:PORT); port 0 picks a free one. At most 64\n"
    "                          connections at once (more: 503), each request within 10 s\n"
    "                          and 64 KiB\n"
    "  --interval S            Poll tick in seconds (default 1; may be fractional): active\n"
    "                          groups each tick, lengths every 2 s, quiet groups every 10 s\n"
    "  --max-streams N         Streams watched at most (default 1000; more: streamscope_partial)\n"
    "  --idle-threshold MS     Idle time that makes a consumer dead or an entry stuck\n"
    "                          (default 60000)\n"
    "  --max-deliveries N      Deliveries that make an entry poison (default 5)\n"
    "  --window SEC            History the rules judge (default 30)\n"
    "  --alert-webhook URL     POST each transition as JSON (timeout, retries)\n"
    "  --alert-command CMD     Run CMD (/bin/sh -c) for each transition, the event in\n"
    "                          STREAMSCOPE_ALERT_JSON\n"
    "  --alert-raise-after S   A finding must last S seconds before it is raised (default:\n"
    "                          two intervals)\n"
    "  --alert-clear-after S   And be gone S seconds before it clears (default 60, at least\n"
    "                          three intervals)\n\n"
    "Exit codes: 0 stopped by SIGTERM/SIGINT, 2 usage error, 3 cannot listen (the port is\n"
    "taken, the address is not this host's).\n\n"
    "Example:\n"
    "  streamscope-cli -h redis.internal serve 'orders:*' --listen 9478 \\\n"
    "      --alert-webhook http://alertmanager-bridge:8080/hook --alert-raise-after 30\n";

// SIGTERM and SIGINT through a pipe into the event loop (the handler only writes a byte).
int g_signalPipe[2] = {-1, -1};

void onSignal(int) {
    const char b = 1;
    [[maybe_unused]] const auto n = ::write(g_signalPipe[1], &b, 1);
}

Result<double> secondsOption(const QCommandLineParser &p, const QString &name, double fallback,
                             double minimum) {
    if (!p.isSet(name))
        return fallback;
    bool ok = false;
    const double v = p.value(name).toDouble(&ok);
    if (!ok || !std::isfinite(v) || v < minimum || v > 86400)
        return Error(Error::Kind::InvalidArgument,
                     QStringLiteral("--%1: \"%2\" is not a number of seconds from %3 to 86400")
                         .arg(name, p.value(name))
                         .arg(minimum));
    return v;
}

Result<qint64> wholeOption(const QCommandLineParser &p, const QString &name, qint64 fallback,
                           qint64 minimum) {
    if (!p.isSet(name))
        return fallback;
    bool ok = false;
    const qint64 v = p.value(name).toLongLong(&ok);
    if (!ok || v < minimum)
        return Error(Error::Kind::InvalidArgument,
                     QStringLiteral("--%1: \"%2\" is not a whole number >= %3")
                         .arg(name, p.value(name))
                         .arg(minimum));
    return v;
}

// "9478", "127.0.0.1:9478", "0.0.0.0:9478", "[::1]:9478", "localhost:9478".
Result<QPair<QHostAddress, quint16>> listenAddress(const QString &text) {
    QString host = QStringLiteral("127.0.0.1");
    QString port = text;
    if (const qsizetype colon = text.lastIndexOf(QLatin1Char(':')); colon >= 0) {
        host = text.left(colon);
        port = text.mid(colon + 1);
        if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
            host = host.mid(1, host.size() - 2);
        else if (host.contains(QLatin1Char(':')))
            // "::1" would read as host "::" (every interface), port 1.
            return Error(Error::Kind::InvalidArgument,
                         QStringLiteral("--listen: \"%1\": an IPv6 address goes in brackets, "
                                        "with the port after them: [::1]:PORT")
                             .arg(text));
    }
    bool ok = false;
    const uint p = port.toUInt(&ok);
    if (!ok || p > 65535)
        return Error(Error::Kind::InvalidArgument,
                     QStringLiteral("--listen: \"%1\" is not [HOST:]PORT (a port from 0 to 65535)")
                         .arg(text));
    QHostAddress address;
    if (host.isEmpty())
        address = QHostAddress(QHostAddress::LocalHost);
    else if (host == QLatin1String("localhost"))
        address = QHostAddress(QHostAddress::LocalHost);
    else if (!address.setAddress(host)) {
        const QHostInfo info = QHostInfo::fromName(host);
        if (info.addresses().isEmpty())
            return Error(Error::Kind::InvalidArgument,
                         QStringLiteral("--listen: cannot resolve \"%1\": %2")
                             .arg(host, info.errorString()));
        address = info.addresses().first();
    }
    return qMakePair(address, quint16(p));
}

int runServe(const QCommandLineParser &p, const ConnectionSettings &settings, bool) {
    const QString command = QStringLiteral("serve");
    const QStringList a = p.positionalArguments();
    if (a.size() > 1)
        return usageError(QStringLiteral("serve takes at most one PATTERN"), command);
    // No default port: the exporters' range is allocated to the last port, and 9121 (the
    // obvious guess) is redis_exporter's, often running beside it.
    if (!p.isSet(QStringLiteral("listen")))
        return usageError(QStringLiteral("serve needs --listen [HOST:]PORT (e.g. --listen 9478: "
                                         "loopback, port 9478)"),
                          command);
    auto listen = listenAddress(p.value(QStringLiteral("listen")));
    if (!listen.ok())
        return usageError(listen.error().message, command);
    auto interval = secondsOption(p, QStringLiteral("interval"), 1, 0.1);
    auto raiseAfter = secondsOption(p, QStringLiteral("alert-raise-after"), 0, 0);
    auto clearAfter = secondsOption(p, QStringLiteral("alert-clear-after"), 0, 0);
    for (const auto *r : {&interval, &raiseAfter, &clearAfter})
        if (!r->ok())
            return usageError(r->error().message, command);
    HealthOptions health;
    auto idle = wholeOption(p, QStringLiteral("idle-threshold"), health.idleThresholdMs, 0);
    auto deliveries = wholeOption(p, QStringLiteral("max-deliveries"), health.maxDeliveries, 1);
    auto window = wholeOption(p, QStringLiteral("window"), 30, 0);
    auto maxStreams = wholeOption(p, QStringLiteral("max-streams"), 1000, 1);
    for (const auto *r : {&idle, &deliveries, &window, &maxStreams})
        if (!r->ok())
            return usageError(r->error().message, command);
    health.idleThresholdMs = idle.value();
    health.maxDeliveries = deliveries.value();
    health.windowSeconds = int(qMin<qint64>(window.value(), 3600));

    MonitorService::Options options;
    options.settings = settings;
    options.address = listen->first;
    options.port = listen->second;
    ServerPoller::Options &poll = options.poll;
    poll.pattern = a.isEmpty() ? QByteArray("*") : a.first().toUtf8();
    poll.intervalMs = int(std::lround(interval.value() * 1000));
    // The other cadences keep their proportions to the tick, never faster than the GUI's.
    poll.lengthIntervalMs = qMax(2000, 2 * poll.intervalMs);
    poll.listIntervalMs = 3 * poll.lengthIntervalMs;
    poll.quietIntervalMs = qMax(10000, 10 * poll.intervalMs);
    poll.activeHoldMs = qMax(5000, 5 * poll.intervalMs);
    poll.maxStreams = int(qMin<qint64>(maxStreams.value(), 1000000));
    poll.health = health;
    options.alertTracking = AlertTracker::defaultsFor(poll.intervalMs);
    if (p.isSet(QStringLiteral("alert-raise-after")))
        options.alertTracking.raiseAfterMs = qint64(std::llround(raiseAfter.value() * 1000));
    if (p.isSet(QStringLiteral("alert-clear-after")))
        options.alertTracking.clearAfterMs = qint64(std::llround(clearAfter.value() * 1000));
    if (p.isSet(QStringLiteral("alert-webhook"))) {
        const QUrl url(p.value(QStringLiteral("alert-webhook")), QUrl::StrictMode);
        if (!url.isValid()
            || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
            return usageError(QStringLiteral("--alert-webhook: \"%1\" is not an http(s) URL")
                                  .arg(p.value(QStringLiteral("alert-webhook"))),
                              command);
        if (url.host().isEmpty())
            return usageError(QStringLiteral("--alert-webhook: \"%1\" names no host")
                                  .arg(p.value(QStringLiteral("alert-webhook"))),
                              command);
        options.alertDelivery.webhook = url;
    }
    options.alertDelivery.command = p.value(QStringLiteral("alert-command"));

    if (::pipe(g_signalPipe) != 0) {
        printError(QStringLiteral("cannot set up signal handling: %1").arg(qt_error_string(errno)));
        return ConnectionError;
    }
    MonitorService service(options);
    if (const Error e = service.start()) {
        printError(e.message);
        ::close(g_signalPipe[0]);
        ::close(g_signalPipe[1]);
        return ConnectionError;
    }
    std::signal(SIGPIPE, SIG_IGN);
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGTERM, &action, nullptr);
    ::sigaction(SIGINT, &action, nullptr);

    QEventLoop loop;
    QSocketNotifier notifier(g_signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&notifier, &QSocketNotifier::activated, &loop, [&] {
        char b = 0;
        [[maybe_unused]] const auto n = ::read(g_signalPipe[0], &b, 1);
        loop.quit();
    });
    QObject::connect(&service, &MonitorService::message, &loop, [](const QString &line) {
        std::fprintf(stderr, "streamscope-cli serve: %s\n", qPrintable(line));
        std::fflush(stderr);
    });
    // The URL ends its line: scripts and tests read the port from it (with port 0).
    std::fprintf(stderr,
                 "streamscope-cli serve: watching '%s' every %g s; /metrics, /health, /ready\n"
                 "streamscope-cli serve: listening on %s\n",
                 poll.pattern.constData(), interval.value(), qPrintable(service.url()));
    if (!options.address.isLoopback())
        std::fprintf(stderr,
                     "streamscope-cli serve: warning: %s is not a loopback address: anyone who "
                     "can reach it reads /metrics and /health (stream, group and consumer names, "
                     "the server's version) without a password; put a firewall or an "
                     "authenticating proxy in front, or listen on 127.0.0.1\n",
                     qPrintable(options.address.toString()));
    std::fflush(stderr);
    loop.exec();
    service.stop();
    std::signal(SIGTERM, SIG_DFL);
    std::signal(SIGINT, SIG_DFL);
    ::close(g_signalPipe[0]);
    ::close(g_signalPipe[1]);
    std::fprintf(stderr, "streamscope-cli serve: stopped\n");
    return Success;
}

} // namespace

CommandSpec serveCommand() {
    return {"serve",
            serveHelp,
            {{QStringLiteral("listen"), QStringLiteral("Listen."), QStringLiteral("HOST:PORT")},
             {QStringLiteral("interval"), QStringLiteral("Interval."), QStringLiteral("S")},
             {QStringLiteral("max-streams"), QStringLiteral("Streams."), QStringLiteral("N")},
             {QStringLiteral("idle-threshold"), QStringLiteral("Idle."), QStringLiteral("MS")},
             {QStringLiteral("max-deliveries"), QStringLiteral("Deliveries."), QStringLiteral("N")},
             {QStringLiteral("window"), QStringLiteral("Window."), QStringLiteral("SEC")},
             {QStringLiteral("alert-webhook"), QStringLiteral("Webhook."), QStringLiteral("URL")},
             {QStringLiteral("alert-command"), QStringLiteral("Command."), QStringLiteral("CMD")},
             {QStringLiteral("alert-raise-after"), QStringLiteral("Raise."), QStringLiteral("S")},
             {QStringLiteral("alert-clear-after"), QStringLiteral("Clear."), QStringLiteral("S")}},
            runServe};
}

} // namespace streamscope::cli
