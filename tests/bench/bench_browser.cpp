// Stream browser on a long stream: loads N entries (default 10,000,000) into a private
// redis-server, then times, through the same worker thread and model the GUI uses, opening the
// newest page and jumping to 20 random moments (targets: < 200 ms each).
// Usage: bench_browser [ENTRIES]
#include "GroupActions.h"
#include "LocalRedisServer.h"
#include "RedisConnection.h"
#include "StreamBrowserModel.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QRandomGenerator>

#include <algorithm>
#include <cstdio>

using namespace streamscope;

int main(int argc, char **argv) {
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const int entries = argc > 1 ? atoi(argv[1]) : 10000000;
    LocalRedisServer server;
    if (Error e = server.start()) {
        std::fprintf(stderr, "%s\n", qPrintable(e.message));
        return 1;
    }
    RedisConnection c(server.settings());
    c.open();
    // Explicit IDs one millisecond apart, so that "a moment" always has entries around it.
    const qint64 base = QDateTime::currentMSecsSinceEpoch() - entries;
    QElapsedTimer load;
    load.start();
    for (int first = 0; first < entries; first += 20000) {
        QList<Command> batch;
        for (int i = first; i < qMin(entries, first + 20000); ++i)
            batch.append({"XADD", "long", QByteArray::number(base + i) + "-0", "seq",
                          QByteArray::number(i), "type", "order.created"});
        if (!c.pipeline(batch, 120000).ok())
            return 1;
    }
    std::printf("loaded %d entries in %.1f s\n", entries, load.elapsed() / 1000.0);

    GroupActions requests(server.settings());
    StreamBrowserModel model;
    QObject::connect(&model, &StreamBrowserModel::pageWanted, requests.worker(),
                     &GroupActionsWorker::fetchHistory);
    QObject::connect(requests.worker(), &GroupActionsWorker::historyPage, &model,
                     &StreamBrowserModel::addPage);
    auto timeOpen = [&](const PageStart &start) {
        // Timed to the signal that the rows are in the model (not to a polling loop's tick).
        QEventLoop loop;
        QObject::connect(&model, &StreamBrowserModel::pageLoaded, &loop, &QEventLoop::quit);
        QElapsedTimer t;
        t.start();
        model.open("long", start);
        loop.exec();
        return t.nsecsElapsed() / 1e6;
    };
    timeOpen(PageStart::newest()); // the connection is opened on first use
    QList<double> newest, jumps;
    for (int i = 0; i < 5; ++i)
        newest.append(timeOpen(PageStart::newest()));
    for (int i = 0; i < 20; ++i)
        jumps.append(
            timeOpen(PageStart::atTime(base + QRandomGenerator::global()->bounded(entries))));
    std::sort(newest.begin(), newest.end());
    std::sort(jumps.begin(), jumps.end());
    std::printf("newest page (%d rows): median %.1f ms, max %.1f ms (target < 200)\n",
                model.rowCount() ? StreamBrowserModel::pageSize : 0, newest.at(2), newest.last());
    std::printf("jump to a random moment: median %.1f ms, max %.1f ms over 20 (target < 200)\n",
                jumps.at(10), jumps.last());
    return 0;
}
