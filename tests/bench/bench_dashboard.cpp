// The dashboard under the shop at full speed. Phase 1: a private redis-server, the real shop
// services (order-service generating ORDERS_PER_S orders/s, two payment-service instances, the
// notification service) and the real window (charts tab shown, event flow computing) for
// SECONDS: prints the longest GUI-thread stall, how often the flow view and the charts were
// refreshed (the fewest in any one second), and the flow's figures. Phase 2, the hour-equivalent:
// ORDERS_PER_S * 3600 orders and as many payments are appended as fast as the server takes them
// (trimmed with MAXLEN ~ 1,000,000 so the server stays small) while the window tails them, with
// the charts' clock running 3600/PHASE2 times faster so their one-hour window fills and slides;
// prints peak resident memory.
// Targets: stall < 50 ms, flow and charts >= 1 update/s, RSS < 400 MB.
// Usage: bench_dashboard [ORDERS_PER_S] [SECONDS] [HOUR_EQUIVALENT_ORDERS]
#include "BenchSupport.h"
#include "ChartsView.h"
#include "FlowView.h"
#include "LiveEventModel.h"
#include "LocalRedisServer.h"
#include "MainWindow.h"
#include "RedisConnection.h"
#include "StreamListModel.h"

#include <QApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

using namespace streamscope;

// Runs the event loop for ms while the probe measures.
static void runFor(qint64 ms) {
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
}

int main(int argc, char **argv) {
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const int rate = argc > 1 ? atoi(argv[1]) : 2000;
    const int seconds = argc > 2 ? atoi(argv[2]) : 60;
    const long hourOrders = argc > 3 ? atol(argv[3]) : long(rate) * 3600;

    LocalRedisServer server;
    if (!bench::startServer(server))
        return 1;
    QTemporaryDir dir;
    bench::Services services(QCoreApplication::applicationDirPath(), server.url(), dir.path());
    for (const char *name : {"p1", "p2"})
        services.launch(QStringLiteral("payment-service"),
                        {QStringLiteral("--consumer"), QString::fromLatin1(name),
                         QStringLiteral("--db"), dir.filePath(QStringLiteral("payments.db")),
                         QStringLiteral("--fail-rate"), QStringLiteral("0.02")});
    services.launch(QStringLiteral("notification-service"), {});
    services.launch(QStringLiteral("order-service"),
                    {QStringLiteral("--http"), QStringLiteral("0"), QStringLiteral("--db"),
                     dir.filePath(QStringLiteral("orders.db")), QStringLiteral("--generate"),
                     QString::number(rate)});

    MainWindow window;
    window.resize(1400, 900);
    window.connectTo(server.settings());
    window.show();
    window.showTab(QStringLiteral("charts"));
    FlowView *flow = window.flowView();
    ChartsView *charts = window.chartsView();

    bench::StallProbe probe; // the GUI thread: gaps between 5 ms ticks, peak memory
    runFor(5000);            // streams listed, tail live, shop warmed up
    std::printf("phase 1: %d orders/s from the shop for %d s, charts tab shown\n", rate, seconds);
    probe.start();
    int minFlow = INT_MAX, minCharts = INT_MAX;
    qint64 firstCompleted = flow->stats().completed;
    for (int s = 0; s < seconds; ++s) {
        const qint64 f0 = flow->refreshCount(), c0 = charts->refreshCount();
        runFor(1000);
        minFlow = std::min<int>(minFlow, int(flow->refreshCount() - f0));
        minCharts = std::min<int>(minCharts, int(charts->refreshCount() - c0));
    }
    probe.stop();
    const FlowStats &fs = flow->stats();
    std::printf("  GUI thread:      longest stall %lld ms, p99 tick gap %lld ms (target < 50)\n",
                probe.worst(), probe.percentile(0.99));
    std::printf("  updates:         flow view >= %d/s, charts >= %d/s in every second (target "
                ">= 1)\n",
                minFlow, minCharts);
    std::printf("  flow:            %lld completed in the phase (%.0f/s), %lld failed, %lld "
                "waiting; latency p50 %lld ms, p90 %lld ms, p99 %lld ms\n",
                fs.completed - firstCompleted, double(fs.completed - firstCompleted) / seconds,
                fs.failed, fs.waiting, fs.p50, fs.p90, fs.p99);
    std::printf("  resident memory: peak %.0f MB\n", probe.peakKiB() / 1024.0);
    const long phase1KiB = probe.peakKiB();
    services.stop();

    // Phase 2: an hour of orders and payments, as fast as the server takes them.
    std::printf("phase 2: %ld orders and %ld payments (an hour at %d/s), as fast as possible\n",
                hourOrders, hourOrders, rate);
    const qint64 realStart = QDateTime::currentMSecsSinceEpoch();
    std::atomic<long> sent{0};
    std::atomic<bool> done{false};
    QElapsedTimer phase2;
    phase2.start();
    std::thread loader([&] {
        RedisConnection c(server.settings());
        if (c.open())
            return;
        const int batch = 500;
        for (long first = 0; first < hourOrders; first += batch) {
            QList<Command> cmds;
            cmds.reserve(2 * batch);
            for (long i = first; i < std::min(hourOrders, first + batch); ++i) {
                const QByteArray id = "h" + QByteArray::number(qlonglong(i));
                cmds.append({"XADD", "order-events", "MAXLEN", "~", "1000000", "*", "type",
                             "order.created", "orderId", id, "amount", "1299", "currency", "EUR"});
                cmds.append({"XADD", "payment-events", "MAXLEN", "~", "1000000", "*", "type",
                             "payment.completed", "orderId", id, "amount", "1299", "status",
                             "completed"});
            }
            if (!c.pipeline(cmds, 60000).ok())
                return;
            sent += long(cmds.size() / 2);
        }
        done = true;
    });
    // The charts' clock: an hour passes while the loader runs (estimated from its speed).
    const double expectedMs = std::max(10000.0, double(hourOrders) / 110.0); // ~110,000/s
    charts->clock = [&] {
        const qint64 real = QDateTime::currentMSecsSinceEpoch() - realStart;
        return realStart + qint64(double(real) * 3600000.0 / expectedMs);
    };
    // The samples are timed by the histories the charts draw (the connection's), the axis by the
    // view: both run fast.
    if (ChartHistories *histories = charts->histories())
        histories->clock = charts->clock;
    probe.start();
    while (!done && phase2.elapsed() < 30 * 60 * 1000) {
        runFor(1000);
        if (phase2.elapsed() / 1000 % 10 == 0)
            std::printf("  ... %ld orders sent, %lld flows completed, RSS %.0f MB\n", sent.load(),
                        flow->stats().completed, bench::residentKiB() / 1024.0);
    }
    runFor(5000); // the tail catches up
    probe.stop();
    loader.join();
    qsizetype points = 0;
    for (const char *name : {"rate", "length", "lag", "pending"})
        points += charts->history(QString::fromLatin1(name)).pointCount();
    std::printf("  sent:            %ld orders + %ld payments in %.1f s\n", sent.load(),
                sent.load(), phase2.elapsed() / 1000.0);
    std::printf("  flow:            %lld completed, %lld waiting (open flows tracked)\n",
                flow->stats().completed, flow->stats().waiting);
    std::printf("  live table:      %d rows (cap %d), %lld dropped\n",
                window.eventModel()->rowCount(), window.eventModel()->rowCap(),
                window.eventModel()->droppedRows());
    std::printf("  charts:          %lld points kept over all series\n", qlonglong(points));
    std::printf("  GUI thread:      longest stall %lld ms under this stress (not the target "
                "load)\n",
                probe.worst());
    std::printf("  resident memory: peak %.0f MB over both phases (target < 400)\n",
                std::max(phase1KiB, probe.peakKiB()) / 1024.0);
    window.disconnectFromServer();
    return 0;
}
