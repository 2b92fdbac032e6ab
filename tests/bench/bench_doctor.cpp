// `streamscope-cli doctor --json` at scale (issue 14): whole runs, process start included, over
// 1,000 / 10,000 / 50,000 streams x 3 groups on one private redis-server (filled by pipelining
// and grown between sizes). Each stream has 20 entries and three groups: g0 read to the end,
// g1 holding 5 pending entries with one consumer, g2 unread. Prints for each size the wall time
// (median of RUNS), the time per stream, the CPU the CLI and redis-server spent, and, with
// --before PATH (another streamscope-cli, e.g. main's), the same for it in the same run; then
// the 10k time against the 1 s target and the linearity (time per stream at the largest size
// against the smallest), in wall time and in the CLI's CPU time (on a shared machine the wall
// time follows the load; the CPU time less so). Runs of the two builds alternate.
//
//   bench_doctor [--before PATH] [--runs N] [SIZES...]     (default 1000 10000 50000, 3 runs)

#include "BenchSupport.h"
#include "LocalRedisServer.h"
#include "RedisConnection.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>

#include <algorithm>
#include <cstdio>
#include <sys/resource.h>
#include <unistd.h>

using namespace streamscope;

namespace {

// CPU of the children this process has waited for (the CLI runs), in seconds.
double childrenCpuSeconds() {
    rusage u{};
    ::getrusage(RUSAGE_CHILDREN, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec)
           + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Run {
    double wallMs = 0;
    double cliCpuMs = 0;
    double serverCpuMs = 0;
    qsizetype bytes = 0;
};

struct Figure {
    bool ok = false;
    Run median; // by wall time
    double minMs = 0, maxMs = 0;
};

// One whole `doctor --json` run of cli. The idle threshold is an hour, so that the findings
// (and the work) do not change while the bench runs (consumers go idle past the default
// minute during it); every stream still has findings (g2 has no consumers), so it exits 1.
bool runOnce(const QString &cli, const LocalRedisServer &server, int streams, Run *r) {
    QProcess doctor;
    const double cli0 = childrenCpuSeconds();
    const double server0 = bench::cpuSeconds(server.processId());
    QElapsedTimer t;
    t.start();
    doctor.start(cli, {QStringLiteral("-p"), QString::number(server.settings().port),
                       QStringLiteral("doctor"), QStringLiteral("--json"),
                       QStringLiteral("--idle-threshold"), QStringLiteral("3600000")});
    doctor.waitForFinished(600000);
    r->wallMs = double(t.nsecsElapsed()) / 1e6;
    r->cliCpuMs = (childrenCpuSeconds() - cli0) * 1000;
    r->serverCpuMs = (bench::cpuSeconds(server.processId()) - server0) * 1000;
    const QByteArray out = doctor.readAllStandardOutput();
    r->bytes = out.size();
    const int groups = int(out.count("\"consumers_detail\""));
    if (doctor.exitStatus() != QProcess::NormalExit || doctor.exitCode() != 1
        || groups != streams * 3) {
        std::fprintf(stderr, "%s: exit %d, %d groups of %d: %s\n", qPrintable(cli),
                     doctor.exitCode(), groups, streams * 3,
                     doctor.readAllStandardError().left(500).constData());
        return false;
    }
    return true;
}

Figure figureOf(QList<Run> all) {
    Figure f;
    if (all.isEmpty())
        return f;
    std::sort(all.begin(), all.end(),
              [](const Run &a, const Run &b) { return a.wallMs < b.wallMs; });
    f.ok = true;
    f.median = all.at(all.size() / 2);
    f.minMs = all.first().wallMs;
    f.maxMs = all.last().wallMs;
    return f;
}

// Grows the server from `from` to `to` streams (bench:N, 20 entries, g0 read to the end without
// pending entries, g1 5 pending with consumer c1, g2 unread).
bool fill(RedisConnection &c, int from, int to) {
    for (int start = from; start < to; start += 500) {
        QList<Command> commands;
        for (int i = start; i < std::min(to, start + 500); ++i) {
            const QByteArray name = "bench:" + QByteArray::number(i);
            for (int j = 0; j < 20; ++j)
                commands.append(
                    {"XADD", name, "*", "n", QByteArray::number(j), "type", "order.created"});
            for (const char *g : {"g0", "g1", "g2"})
                commands.append({"XGROUP", "CREATE", name, g, "0"});
            commands.append({"XREADGROUP", "GROUP", "g0", "c0", "NOACK", "STREAMS", name, ">"});
            commands.append(
                {"XREADGROUP", "GROUP", "g1", "c1", "COUNT", "5", "STREAMS", name, ">"});
        }
        if (!bench::done(c.pipeline(commands, 60000), "fill"))
            return false;
    }
    return true;
}

void print(const char *who, int streams, const Figure &f) {
    std::printf("  %-7s %6d streams: %8.0f ms (%.0f..%.0f)  %6.1f us/stream  CLI CPU %6.0f ms  "
                "redis-server CPU %6.0f ms  %6lld KB JSON\n",
                who, streams, f.median.wallMs, f.minMs, f.maxMs, f.median.wallMs * 1000.0 / streams,
                f.median.cliCpuMs, f.median.serverCpuMs, qint64(f.median.bytes / 1024));
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    QString before;
    int runs = 3;
    QList<int> sizes;
    const QStringList args = app.arguments().mid(1);
    for (qsizetype i = 0; i < args.size(); ++i) {
        if (args.at(i) == QLatin1String("--before") && i + 1 < args.size())
            before = args.at(++i);
        else if (args.at(i) == QLatin1String("--runs") && i + 1 < args.size())
            runs = std::max(1, args.at(++i).toInt());
        else if (args.at(i).toInt() > 0)
            sizes.append(args.at(i).toInt());
        else {
            std::fprintf(stderr, "usage: bench_doctor [--before PATH] [--runs N] [SIZES...]\n");
            return 2;
        }
    }
    if (sizes.isEmpty())
        sizes = {1000, 10000, 50000};
    std::sort(sizes.begin(), sizes.end());
    const QString cli = QCoreApplication::applicationDirPath() + QStringLiteral("/streamscope-cli");

    LocalRedisServer server;
    if (!bench::startServer(server))
        return 1;
    RedisConnection c(server.settings());
    if (!bench::done(c.open(), "connect"))
        return 1;

    std::printf("doctor --json, whole CLI runs (process start included), median of %d:\n", runs);
    QList<QPair<int, Figure>> after, base;
    int filled = 0;
    for (int streams : sizes) {
        std::fprintf(stderr, "filling to %d streams x 3 groups...\n", streams);
        if (!fill(c, filled, streams))
            return 1;
        filled = streams;
        // This build and the one before take turns, run by run: both see the same load.
        QList<Run> nowRuns, thenRuns;
        bool beforeOk = !before.isEmpty();
        for (int i = 0; i < runs; ++i) {
            Run r;
            if (!runOnce(cli, server, streams, &r))
                return 1;
            nowRuns.append(r);
            if (beforeOk && (beforeOk = runOnce(before, server, streams, &r)))
                thenRuns.append(r);
        }
        const Figure now = figureOf(nowRuns);
        print("this", streams, now);
        after.append({streams, now});
        if (beforeOk) {
            const Figure then = figureOf(thenRuns);
            print("before", streams, then);
            base.append({streams, then});
            std::printf("          ratio this / before: %.2f (wall), %.2f (CLI CPU)\n",
                        now.median.wallMs / then.median.wallMs,
                        now.median.cliCpuMs / then.median.cliCpuMs);
        } else if (!before.isEmpty())
            std::printf("  before %6d streams: failed (see above)\n", streams);
        std::fflush(stdout);
    }

    auto perStream = [](const QPair<int, Figure> &p) { return p.second.median.wallMs / p.first; };
    auto cpuPerStream = [](const QPair<int, Figure> &p) {
        return p.second.median.cliCpuMs / p.first;
    };
    for (const auto &[streams, f] : after)
        if (streams == 10000)
            std::printf("10,000 streams: %.0f ms, target < 1000 ms: ratio %.2f (%s)\n",
                        f.median.wallMs, f.median.wallMs / 1000.0,
                        f.median.wallMs < 1000 ? "ok" : "OVER");
    if (after.size() >= 2) {
        std::printf("linearity: time per stream at %d / at %d = %.2f wall, %.2f CLI CPU "
                    "(1.00 is linear)",
                    after.last().first, after.first().first,
                    perStream(after.last()) / perStream(after.first()),
                    cpuPerStream(after.last()) / cpuPerStream(after.first()));
        if (base.size() >= 2)
            std::printf("; before: %.2f wall, %.2f CLI CPU",
                        perStream(base.last()) / perStream(base.first()),
                        cpuPerStream(base.last()) / cpuPerStream(base.first()));
        std::printf("\n");
    }
    return 0;
}
