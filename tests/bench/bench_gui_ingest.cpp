// GUI ingest benchmark: the real window, offscreen, tailing a private redis-server while a
// loader thread XADDs RATE entries/s (default 200,000) for SECONDS (default 10). Prints the
// longest GUI-thread stall (gap between 5 ms timer ticks), the 99th percentile, peak resident
// memory and whether the row cap held. Targets: stall < 50 ms, RSS < 300 MB.
// Usage: bench_gui_ingest [RATE] [SECONDS]
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

int main(int argc, char **argv) {
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const int rate = argc > 1 ? atoi(argv[1]) : 200000;
    const int seconds = argc > 2 ? atoi(argv[2]) : 10;

    LocalRedisServer server;
    if (!bench::startServer(server))
        return 1;
    {
        RedisConnection c(server.settings());
        if (!bench::done(c.open(), "connect")
            || !bench::done(c.command({"XADD", "load", "*", "seed", "1"}), "XADD"))
            return 1;
    }

    MainWindow window;
    window.connectTo(server.settings());
    window.show();
    // Wait until the poller has listed the stream and the tailer has had time to add it.
    QElapsedTimer wait;
    wait.start();
    while (window.streamModel()->rowCount() == 0 && wait.elapsed() < 10000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    const qint64 settle = wait.elapsed() + 1000;
    while (wait.elapsed() < settle)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);

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
            QList<Command> batch;
            batch.reserve(perTick);
            for (int i = 0; i < perTick; ++i)
                batch.append({"XADD", "load", "*", "seq", QByteArray::number(sent + i), "type",
                              "order.created", "amount", "4711"});
            if (!c.pipeline(batch, 30000).ok())
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
    std::printf("loaded:            %ld entries in %d s (%.0f/s asked %d/s)\n", sent.load(),
                seconds, double(sent.load()) / seconds, rate);
    std::printf("rows in the table: %d (cap %d, dropped %lld)\n", window.eventModel()->rowCount(),
                window.eventModel()->rowCap(), window.eventModel()->droppedRows());
    std::printf("GUI thread:        longest stall %lld ms, p99 tick gap %lld ms (target < 50)\n",
                worst, p99);
    std::printf("resident memory:   peak %.0f MB (target < 300)\n", peakKiB / 1024.0);
    window.disconnectFromServer();
    return 0;
}
