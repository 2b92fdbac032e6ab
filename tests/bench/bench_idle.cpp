// What watching costs the server at rest: an offscreen MainWindow connected to a private
// redis-server where nothing happens, measured over SECONDS (default 20) after a warm-up.
// Server CPU from /proc/PID/stat (utime + stime) and INFO cpu, bytes sent from INFO stats
// total_net_output_bytes, and the commands per second by name (INFO commandstats).
//   1. 1,000 small streams with a group each (targets: watching costs <= 0.3 % of a core and
//      <= 100 KB/s beyond what the same server costs with nobody watching, measured too)
//   2. one stream whose first and last entries are 16 MB, then one with 100-byte entries
//      (target: the first costs within 10 % of the second)
// Each figure is printed beside today's for the same setup ("before (main 094a966)").
// Usage: bench_idle [SECONDS] (default 20)
#include "BenchSupport.h"
#include "LocalRedisServer.h"
#include "MainWindow.h"
#include "RedisConnection.h"
#include "ServerPoller.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>
#include <QVersionNumber>

#include <unistd.h>

#include <algorithm>
#include <cstdio>

using namespace streamscope;

namespace {

// The figures of the same setup on main at 094a966, measured with this bench (10 s windows).
struct Before {
    const char *setup;
    double cpuPercent;
    double kbPerSecond;
};
constexpr Before beforeFigures[] = {
    {"1000 streams, a group each", 0.60, 614.1},
    {"16 MB first/last entries", 6.21, 65742.9},
    {"100-byte entries", 0.10, 1.9},
};

void runFor(int ms) {
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

QHash<QByteArray, QByteArray> infoFields(RedisConnection &c, const QByteArray &section) {
    QHash<QByteArray, QByteArray> out;
    auto info = c.command({"INFO", section});
    if (!info.ok() || info->isError())
        return out;
    for (const QByteArray &line : info->bytes().split('\n')) {
        const int colon = line.indexOf(':');
        if (colon > 0)
            out.insert(line.left(colon), line.mid(colon + 1).trimmed());
    }
    return out;
}

// calls per command name, from INFO commandstats ("cmdstat_xlen:calls=3,...").
QHash<QByteArray, qint64> commandCalls(RedisConnection &c) {
    QHash<QByteArray, qint64> out;
    const auto fields = infoFields(c, "commandstats");
    for (auto it = fields.cbegin(); it != fields.cend(); ++it) {
        const QByteArray calls = it.value().split(',').first();
        out.insert(it.key().mid(8), calls.mid(6).toLongLong());
    }
    return out;
}

struct Figures {
    double cpuPercent = 0;     // /proc
    double infoCpuPercent = 0; // INFO cpu
    double kbPerSecond = 0;
    double clientCpuPercent = 0; // this process: the window (or the poller)
    QString commands;            // "xlen 1000/s, ..."
};

// What is measured: the whole window, or only its poller (stream list, lengths, groups: the
// GUI's cost without the live tail's).
// Nothing: the same server with nobody watching, so that what watching costs is told apart from
// what an idle server with these keys costs by itself (serverCron and friends).
enum class Watcher { Window, PollerOnly, Nothing };

// Connects an offscreen MainWindow (or only its poller) to server, lets it settle for warmUpMs,
// then measures.
Figures measure(LocalRedisServer &server, int seconds, Watcher watcher = Watcher::Window,
                int warmUpMs = 6000) {
    RedisConnection probe(server.settings());
    if (Error e = probe.open()) {
        std::fprintf(stderr, "probe connection: %s\n", qPrintable(e.message));
        return {};
    }
    std::unique_ptr<MainWindow> window;
    std::unique_ptr<PollerController> poller;
    if (watcher == Watcher::Window) {
        window = std::make_unique<MainWindow>();
        window->connectTo(server.settings());
    } else if (watcher == Watcher::PollerOnly) {
        poller = std::make_unique<PollerController>(server.settings(), ServerPoller::Options());
        poller->start();
    }
    runFor(warmUpMs);

    auto cpuInfo = [&] {
        const auto f = infoFields(probe, "cpu");
        return f.value("used_cpu_sys").toDouble() + f.value("used_cpu_user").toDouble();
    };
    auto outBytes = [&] {
        return infoFields(probe, "stats").value("total_net_output_bytes").toLongLong();
    };
    const double cpu0 = bench::cpuSeconds(server.processId());
    const double self0 = bench::cpuSeconds(QCoreApplication::applicationPid());
    const double info0 = cpuInfo();
    const qint64 out0 = outBytes();
    const auto calls0 = commandCalls(probe);
    QElapsedTimer clock;
    clock.start();
    runFor(seconds * 1000);
    const double elapsed = double(clock.elapsed()) / 1000.0;
    const double cpu1 = bench::cpuSeconds(server.processId());
    const double self1 = bench::cpuSeconds(QCoreApplication::applicationPid());
    const double info1 = cpuInfo();
    const qint64 out1 = outBytes();
    const auto calls1 = commandCalls(probe);

    Figures f;
    f.cpuPercent = (cpu1 - cpu0) * 100.0 / elapsed;
    f.clientCpuPercent = (self1 - self0) * 100.0 / elapsed;
    f.infoCpuPercent = (info1 - info0) * 100.0 / elapsed;
    f.kbPerSecond = double(out1 - out0) / 1000.0 / elapsed;
    QList<QPair<double, QByteArray>> rates;
    for (auto it = calls1.cbegin(); it != calls1.cend(); ++it) {
        const double perSecond = double(it.value() - calls0.value(it.key())) / elapsed;
        if (perSecond >= 0.05 && it.key() != "info")
            rates.append({perSecond, it.key()});
    }
    std::sort(rates.begin(), rates.end(), [](const auto &a, const auto &b) { return a > b; });
    QStringList parts;
    for (const auto &[perSecond, name] : rates)
        parts << QStringLiteral("%1 %2/s").arg(QString::fromUtf8(name)).arg(perSecond, 0, 'f', 1);
    f.commands = parts.join(QStringLiteral(", "));
    return f;
}

void print(const Before &before, const Figures &now, const Figures &poller) {
    std::printf("%s\n", before.setup);
    std::printf("  before (main 094a966): server CPU %.2f %% of a core, %.1f KB/s sent\n",
                before.cpuPercent, before.kbPerSecond);
    std::printf("  now:                   server CPU %.2f %% of a core (INFO cpu %.2f %%), "
                "%.1f KB/s sent\n",
                now.cpuPercent, now.infoCpuPercent, now.kbPerSecond);
    std::printf("    commands: %s\n", qPrintable(now.commands));
    std::printf("    (the window's own process: %.1f %% of a core)\n", now.clientCpuPercent);
    std::printf("  its poller alone (no live tail): server CPU %.2f %% of a core (INFO cpu %.2f "
                "%%), %.1f KB/s sent\n",
                poller.cpuPercent, poller.infoCpuPercent, poller.kbPerSecond);
    std::printf("    commands: %s\n", qPrintable(poller.commands));
    std::fflush(stdout);
}

// One stream whose first and last entries hold valueSize bytes, with a group at its end:
// measured with the window and with its poller alone, and printed beside main's figures.
bool oneStream(const QByteArray &key, int valueSize, int seconds, const Before &before,
               Figures *window, Figures *poller) {
    LocalRedisServer server;
    if (!bench::startServer(server))
        return false;
    RedisConnection c(server.settings());
    if (!bench::done(c.open(), "connect"))
        return false;
    const QByteArray value(valueSize, 'x');
    if (!bench::load(c, {{"XADD", key, "*", "blob", value},
                         {"XADD", key, "*", "seq", "1"},
                         {"XADD", key, "*", "blob", value},
                         {"XGROUP", "CREATE", key, "workers", "$"}}))
        return false;
    *window = measure(server, seconds);
    *poller = measure(server, seconds, Watcher::PollerOnly);
    print(before, *window, *poller);
    return true;
}

} // namespace

int main(int argc, char **argv) {
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const int seconds = argc > 1 ? std::max(1, atoi(argv[1])) : 20;
    bool ok = true;

    {
        LocalRedisServer server;
        if (!bench::startServer(server))
            return 1;
        RedisConnection c(server.settings());
        if (!bench::done(c.open(), "connect"))
            return 1;
        QList<Command> setup;
        for (int i = 0; i < 1000; ++i) {
            const QByteArray key = "idle:" + QByteArray::number(i).rightJustified(4, '0');
            for (int e = 0; e < 10; ++e)
                setup.append({"XADD", key, "*", "seq", QByteArray::number(e), "type", "tick"});
            setup.append({"XGROUP", "CREATE", key, "workers", "0"});
            // A consumer that read everything and acknowledged it: a group at rest.
            setup.append(
                {"XREADGROUP", "GROUP", "workers", "w1", "COUNT", "100", "STREAMS", key, ">"});
        }
        if (!bench::load(c, setup, 2000))
            return 1;
        for (int i = 0; i < 1000; ++i) {
            const QByteArray key = "idle:" + QByteArray::number(i).rightJustified(4, '0');
            auto pending = c.command({"XPENDING", key, "workers", "-", "+", "100"});
            if (!bench::done(pending, "XPENDING"))
                return 1;
            QList<Command> acks;
            Command ack{"XACK", key, "workers"};
            for (const RedisReply &p : pending->elements())
                ack << p.at(0).bytes();
            acks.append(ack);
            if (!bench::load(c, acks, 2000))
                return 1;
        }
        const Figures idle = measure(server, seconds, Watcher::Nothing);
        const Figures f = measure(server, seconds);
        print(beforeFigures[0], f, measure(server, seconds, Watcher::PollerOnly));
        // The target is what watching costs the server: the window's figures less those of the
        // same server with nobody watching (measured just before, in this run).
        const double cost = f.cpuPercent - idle.cpuPercent;
        const double bytes = f.kbPerSecond - idle.kbPerSecond;
        std::printf(
            "  the same server with nobody watching: server CPU %.2f %% of a core (INFO cpu "
            "%.2f %%), %.1f KB/s sent\n",
            idle.cpuPercent, idle.infoCpuPercent, idle.kbPerSecond);
        std::printf(
            "  what watching costs: %.2f %% of a core, %.1f KB/s (targets <= 0.3 %%, <= 100 "
            "KB/s)\n",
            cost, bytes);
        ok = ok && cost <= 0.3 && bytes <= 100;
    }

    Figures big, small, bigPoller, smallPoller;
    if (!oneStream("s16m", 16 * 1024 * 1024, seconds, beforeFigures[1], &big, &bigPoller)
        || !oneStream("s100", 100, seconds, beforeFigures[2], &small, &smallPoller))
        return 1;
    const double ratio = small.kbPerSecond > 0 ? big.kbPerSecond / small.kbPerSecond : 0;
    std::printf("16 MB entries cost %.2f times the bytes/s of 100-byte entries (target <= 1.10)\n",
                ratio);
    std::printf("  its poller alone: %.2f times\n",
                smallPoller.kbPerSecond > 0 ? bigPoller.kbPerSecond / smallPoller.kbPerSecond : 0);
    ok = ok && ratio <= 1.10;
    std::printf("%s\n", ok ? "targets met" : "targets NOT met");
    return ok ? 0 : 2;
}
