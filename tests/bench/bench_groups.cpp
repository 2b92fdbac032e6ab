// Consumer-group figures on a private redis-server:
// 1. `streamscope-cli doctor --json` over 1,000 streams with 3 groups each (target < 2 s);
// 2. what the 1 s poll of 100 watched streams costs the server: used_cpu_sys+used_cpu_user
//    over SECONDS with and without StreamScope polling (target < 2% of one core).
// Usage: bench_groups [STREAMS [SECONDS]]   (default 1000 streams, 20 s)
#include "BenchSupport.h"
#include "GroupPoller.h"
#include "LocalRedisServer.h"
#include "RedisConnection.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QProcess>
#include <QThread>

#include <cstdio>

using namespace streamscope;

namespace {
double serverCpuSeconds(RedisConnection &c) {
    auto info = c.command({"INFO", "cpu"});
    double total = 0;
    for (const QByteArray &line : info->bytes().split('\n'))
        if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:"))
            total += line.mid(line.indexOf(':') + 1).trimmed().toDouble();
    return total;
}

double idleCost(RedisConnection &c, int seconds) {
    const double before = serverCpuSeconds(c);
    QThread::sleep(unsigned(seconds));
    return serverCpuSeconds(c) - before;
}
} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    const int streams = argc > 1 ? atoi(argv[1]) : 1000;
    const int seconds = argc > 2 ? atoi(argv[2]) : 20;
    LocalRedisServer server;
    if (!bench::startServer(server))
        return 1;
    RedisConnection c(server.settings());
    if (!bench::done(c.open(), "connect"))
        return 1;

    // Streams with 20 entries and 3 groups each: one caught up, one behind with a consumer
    // holding pending entries, one never read.
    QList<Command> setup;
    for (int s = 0; s < streams; ++s) {
        const QByteArray name = "bench-" + QByteArray::number(s);
        for (int i = 0; i < 20; ++i)
            setup.append(
                {"XADD", name, "*", "seq", QByteArray::number(i), "type", "order.created"});
        setup.append({"XGROUP", "CREATE", name, "caught-up", "$"});
        setup.append({"XGROUP", "CREATE", name, "behind", "0"});
        setup.append({"XGROUP", "CREATE", name, "unread", "0"});
        setup.append(
            {"XREADGROUP", "GROUP", "behind", "worker", "COUNT", "5", "STREAMS", name, ">"});
        if (setup.size() > 5000) {
            if (!bench::done(c.pipeline(setup, 60000), "set-up"))
                return 1;
            setup.clear();
        }
    }
    if (!bench::done(c.pipeline(setup, 60000), "set-up"))
        return 1;

    // 1. doctor, as a user runs it.
    const QString cli = QCoreApplication::applicationDirPath() + QStringLiteral("/streamscope-cli");
    QList<qint64> runs;
    qsizetype bytes = 0;
    for (int i = 0; i < 3; ++i) {
        QProcess doctor;
        QElapsedTimer t;
        t.start();
        doctor.start(cli, {QStringLiteral("-p"), QString::number(server.port()),
                           QStringLiteral("doctor"), QStringLiteral("--json")});
        doctor.waitForFinished(120000);
        runs.append(t.elapsed());
        bytes = doctor.readAllStandardOutput().size();
        if (doctor.exitCode() != 1) { // every stream has findings (unread, dead worker...)
            std::fprintf(stderr, "doctor exited %d: %s\n", doctor.exitCode(),
                         doctor.readAllStandardError().constData());
            return 1;
        }
    }
    std::sort(runs.begin(), runs.end());
    std::printf("doctor --json over %d streams x 3 groups: %lld ms (median of 3; %lld..%lld), "
                "%lld KB of JSON (target < 2000 ms)\n",
                streams, runs.at(1), runs.first(), runs.last(), qint64(bytes / 1024));

    // 2. The poll's cost to the server.
    const double quiet = idleCost(c, seconds);
    GroupPoller::Options options; // 1 s interval, as the GUI
    GroupPollerThread poller(server.settings(), options);
    QList<QByteArray> watched;
    for (int s = 0; s < 100 && s < streams; ++s)
        watched.append("bench-" + QByteArray::number(s));
    poller.poller()->setStreams(watched);
    int snapshots = 0;
    QObject::connect(poller.poller(), &GroupPoller::snapshot, [&] { ++snapshots; });
    poller.start();
    const double before = serverCpuSeconds(c);
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < seconds * 1000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 100);
    const double polled = serverCpuSeconds(c) - before;
    poller.stop();
    const double share = (polled - quiet) / seconds * 100.0;
    std::printf("1 s poll of %d streams (%d groups), %d s, %d snapshots: server CPU %.3f s "
                "polled vs %.3f s idle = %.2f%% of one core (target < 2%%)\n",
                int(watched.size()), int(watched.size()) * 3, seconds, snapshots, polled, quiet,
                share);
    return 0;
}
