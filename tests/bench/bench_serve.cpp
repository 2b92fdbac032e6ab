// `streamscope-cli serve` over 1,000 streams x 3 groups (issue 13): the poll duration per
// interval, the server's cost per interval (commands StreamScope sent, commands the server
// processed, redis-server CPU from /proc/PID/stat over the same time) and the size of /metrics.
// Each figure beside its target.
//
//   bench_serve [SECONDS] [STREAMS]     (default 30 s of measurement, 1000 streams)

#include "BenchSupport.h"
#include "CliProcess.h"
#include "LocalRedisServer.h"
#include "RedisConnection.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <unistd.h>
#include <vector>

using namespace streamscope;

namespace {

QByteArray scrape(int port, double *ms) {
    QNetworkAccessManager manager;
    QElapsedTimer t;
    t.start();
    QNetworkReply *reply =
        manager.get(QNetworkRequest(QUrl(QStringLiteral("http://127.0.0.1:%1/metrics").arg(port))));
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    if (ms)
        *ms = double(t.nsecsElapsed()) / 1e6;
    const QByteArray body = reply->readAll();
    reply->deleteLater();
    return body;
}

double sampleOf(const QByteArray &body, const QByteArray &name) {
    for (const QByteArray &line : body.split('\n'))
        if (line.startsWith(name + ' '))
            return line.mid(name.size() + 1).toDouble();
    return -1;
}

int countOf(const QByteArray &body, const QByteArray &prefix) {
    int n = 0;
    for (const QByteArray &line : body.split('\n'))
        n += line.startsWith(prefix) ? 1 : 0;
    return n;
}

qint64 commandsProcessed(RedisConnection &c) {
    auto reply = c.command({"INFO", "stats"});
    if (!reply.ok())
        return -1;
    for (const QByteArray &line : reply->bytes().split('\n'))
        if (line.startsWith("total_commands_processed:"))
            return line.mid(25).trimmed().toLongLong();
    return -1;
}

void row(const char *what, const QString &value, const QString &target, bool ok) {
    std::printf("  %-46s %14s   %-26s %s\n", what, qPrintable(value), qPrintable(target),
                ok ? "ok" : "OVER");
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    const int seconds = argc > 1 ? std::max(5, atoi(argv[1])) : 30;
    const int streams = argc > 2 ? std::max(1, atoi(argv[2])) : 1000;

    LocalRedisServer server;
    if (!bench::startServer(server))
        return 1;
    RedisConnection c(server.settings());
    if (!bench::done(c.open(), "connect"))
        return 1;
    // Each stream: 20 entries; g0 read and acked everything, g1 holds 5 pending with one
    // consumer, g2 has read nothing (lag 20).
    std::fprintf(stderr, "filling %d streams x 3 groups...\n", streams);
    for (int start = 0; start < streams; start += 100) {
        QList<Command> commands;
        for (int i = start; i < std::min(streams, start + 100); ++i) {
            const QByteArray name = "bench:" + QByteArray::number(i);
            for (int j = 0; j < 20; ++j)
                commands.append({"XADD", name, "*", "n", QByteArray::number(j), "payload",
                                 QByteArray(64, 'x')});
            for (const char *g : {"g0", "g1", "g2"})
                commands.append({"XGROUP", "CREATE", name, g, "0"});
            commands.append({"XREADGROUP", "GROUP", "g0", "c0", "STREAMS", name, ">"});
            commands.append(
                {"XREADGROUP", "GROUP", "g1", "c1", "COUNT", "5", "STREAMS", name, ">"});
        }
        if (!bench::done(c.pipeline(commands), "fill"))
            return 1;
    }
    for (int i = 0; i < streams; ++i) { // g0 acks what it read
        const QByteArray name = "bench:" + QByteArray::number(i);
        auto pending = c.command({"XPENDING", name, "g0", "-", "+", "100"});
        if (!bench::done(pending, "xpending"))
            return 1;
        Command ack{"XACK", name, "g0"};
        for (const RedisReply &e : pending->elements())
            ack.append(e.elements()[0].bytes());
        if (!bench::done(c.command(ack), "xack"))
            return 1;
    }

    QTemporaryDir dir;
    QProcess serve;
    serve.setProgram(test::executablePath());
    serve.setArguments({QStringLiteral("-h"), server.settings().host, QStringLiteral("-p"),
                        QString::number(server.settings().port), QStringLiteral("serve"),
                        QStringLiteral("bench:*"), QStringLiteral("--listen"),
                        QStringLiteral("127.0.0.1:0"), QStringLiteral("--interval"),
                        QStringLiteral("1")});
    const QString log = dir.path() + QStringLiteral("/serve.log");
    serve.setStandardErrorFile(log);
    dieWithParent(serve);
    serve.start();
    if (!serve.waitForStarted(5000)) {
        std::fprintf(stderr, "cannot start streamscope-cli serve\n");
        return 1;
    }
    int port = 0;
    for (int i = 0; i < 200 && port == 0; ++i) {
        QThread::msleep(50);
        QFile f(log);
        if (f.open(QIODevice::ReadOnly)) {
            const QByteArray text = f.readAll();
            const qsizetype at = text.lastIndexOf("listening on http://127.0.0.1:");
            if (at >= 0)
                port = text.mid(at + 30).split('\n').first().trimmed().toInt();
        }
    }
    if (port == 0) {
        std::fprintf(stderr, "serve did not say where it listens\n");
        return 1;
    }

    // Warm-up: every stream listed, every group sampled once (quiet groups come within 10 s).
    QElapsedTimer warm;
    warm.start();
    QByteArray body;
    while (warm.elapsed() < 60000) {
        body = scrape(port, nullptr);
        if (sampleOf(body, "streamscope_streams_watched") == streams
            && countOf(body, "streamscope_group_consumers{") == 3 * streams)
            break;
        QThread::msleep(500);
    }
    const double warmSeconds = double(warm.elapsed()) / 1000.0;
    if (countOf(body, "streamscope_group_consumers{") != 3 * streams) {
        std::fprintf(stderr, "after %.0f s serve shows %d groups of %d\n", warmSeconds,
                     countOf(body, "streamscope_group_consumers{"), 3 * streams);
        return 1;
    }
    // Past the first quiet interval: the steady state.
    QThread::msleep(5000);

    const double cpu0 = bench::cpuSeconds(server.processId());
    const qint64 processed0 = commandsProcessed(c);
    const double sent0 = sampleOf(scrape(port, nullptr), "streamscope_commands_sent_total");
    QElapsedTimer clock;
    clock.start();
    std::vector<double> durations, scrapeMs;
    qint64 size = 0;
    double lastPollAt = 0;
    while (clock.elapsed() < seconds * 1000) {
        double ms = 0;
        body = scrape(port, &ms);
        scrapeMs.push_back(ms);
        size = std::max<qint64>(size, body.size());
        const double at = sampleOf(body, "streamscope_last_poll_timestamp_seconds");
        if (at != lastPollAt) {
            durations.push_back(sampleOf(body, "streamscope_poll_duration_seconds") * 1000);
            lastPollAt = at;
        }
        QThread::msleep(250);
    }
    const double elapsed = double(clock.elapsed()) / 1000.0;
    const double sent1 = sampleOf(scrape(port, nullptr), "streamscope_commands_sent_total");
    const qint64 processed1 = commandsProcessed(c);
    const double cpu1 = bench::cpuSeconds(server.processId());
    ::kill(pid_t(serve.processId()), SIGTERM);
    serve.waitForFinished(10000);

    std::sort(durations.begin(), durations.end());
    std::sort(scrapeMs.begin(), scrapeMs.end());
    auto pct = [](const std::vector<double> &v, double p) {
        return v.empty() ? 0.0 : v[std::min(v.size() - 1, size_t(p * double(v.size())))];
    };
    const double intervals = elapsed; // --interval 1
    const double sentPer = (sent1 - sent0) / intervals;
    // The bench's own INFO calls (2) are not the poller's.
    const double processedPer = double(processed1 - processed0 - 2) / intervals;
    const double cpuMsPer = (cpu1 - cpu0) * 1000.0 / intervals;
    std::printf(
        "serve over %d streams x 3 groups, --interval 1, measured %.0f s (warm-up %.1f s)\n",
        streams, elapsed, warmSeconds);
    row("poll duration, median (ms)", QString::number(pct(durations, 0.5), 'f', 1),
        QStringLiteral("< 1000 (the interval)"), pct(durations, 0.5) < 1000);
    row("poll duration, p90 (ms)", QString::number(pct(durations, 0.9), 'f', 1),
        QStringLiteral("< 1000"), pct(durations, 0.9) < 1000);
    row("poll duration, max (ms)",
        QString::number(durations.empty() ? 0 : durations.back(), 'f', 1), QStringLiteral("< 2000"),
        durations.empty() || durations.back() < 2000);
    row("commands sent per interval (serve's count)", QString::number(sentPer, 'f', 0),
        QStringLiteral("< 2000"), sentPer < 2000);
    row("commands processed per interval (server)", QString::number(processedPer, 'f', 0),
        QStringLiteral("< 2000"), processedPer < 2000);
    row("redis-server CPU per interval (ms)", QString::number(cpuMsPer, 'f', 1),
        QStringLiteral("< 50 (5% of a core)"), cpuMsPer < 50);
    row("/metrics size (KiB)", QString::number(double(size) / 1024.0, 'f', 0),
        QStringLiteral("< 4096"), size < 4096 * 1024);
    row("/metrics scrape, median (ms)", QString::number(pct(scrapeMs, 0.5), 'f', 1),
        QStringLiteral("< 250"), pct(scrapeMs, 0.5) < 250);
    row("/metrics series (lines)", QString::number(countOf(body, "streamscope_")),
        QStringLiteral("-"), true);
    return 0;
}
