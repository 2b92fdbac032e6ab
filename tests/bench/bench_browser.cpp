// Stream browser on a long stream: loads N entries (default 10,000,000) into a private
// redis-server, then times, through the same worker thread and model the GUI uses, opening the
// newest page and jumping to 20 random moments (targets: < 200 ms each).
// Usage: bench_browser [ENTRIES]
#include "BenchSupport.h"
#include "EntryDetailView.h"
#include "GroupActions.h"
#include "LocalRedisServer.h"
#include "RedisConnection.h"
#include "StreamBrowserModel.h"
#include "ValueDialog.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QRandomGenerator>
#include <QTimer>

#include <algorithm>
#include <cstdio>

using namespace streamscope;

int main(int argc, char **argv) {
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const int entries = argc > 1 ? atoi(argv[1]) : 10000000;
    LocalRedisServer server;
    if (!bench::startServer(server))
        return 1;
    RedisConnection c(server.settings());
    if (!bench::done(c.open(), "connect"))
        return 1;
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

    // A 16 MB value: the details pane, then the whole value in its window, with the GUI
    // thread's longest stall measured by a 5 ms timer throughout.
    QByteArray huge(16 * 1024 * 1024, 'x');
    for (qsizetype i = 0; i < huge.size(); i += 100)
        huge[i] = char('a' + (i / 100) % 26);
    StreamEntryList found;
    if (!bench::done(c.command({"XADD", "huge", "*", "value", huge}, 60000), "XADD")
        || !bench::done(c.commandEntries({"XRANGE", "huge", "-", "+"}, 0, &found, 60000, "huge"),
                        "XRANGE"))
        return 1;
    qint64 worst = 0, last = 0;
    QElapsedTimer ticks;
    ticks.start();
    QTimer probe;
    probe.setInterval(5);
    QObject::connect(&probe, &QTimer::timeout, [&] {
        worst = std::max(worst, ticks.elapsed() - last);
        last = ticks.elapsed();
    });
    EntryDetailView detail;
    detail.resize(800, 600);
    detail.show();
    probe.start();
    QElapsedTimer shown;
    shown.start();
    detail.showEntry(found.first());
    const double paneMs = shown.nsecsElapsed() / 1e6;
    QEventLoop settle;
    QTimer::singleShot(200, &settle, &QEventLoop::quit);
    settle.exec();
    const qint64 paneStall = worst;
    worst = 0;
    last = ticks.elapsed();
    shown.restart();
    ValueDialog *whole = detail.openValue(0);
    QEventLoop ready;
    QObject::connect(whole, &ValueDialog::ready, &ready, &QEventLoop::quit);
    if (!whole->isReady())
        ready.exec();
    const double wholeMs = shown.nsecsElapsed() / 1e6;
    QTimer::singleShot(200, &settle, &QEventLoop::quit);
    settle.exec();
    std::printf("16 MB value: details pane %.0f ms (longest GUI stall %lld ms); opened whole "
                "in %.0f ms (longest GUI stall %lld ms)\n",
                paneMs, paneStall, wholeMs, worst);
    return 0;
}
