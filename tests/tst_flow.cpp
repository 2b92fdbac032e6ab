// The event-flow view: correlation, counts, latency percentiles and the waiting list, first on
// the tracker alone, then in the view fed by a real tail of a real server holding a scripted
// set of orders and payments; and the key lookup through history.
#include "FlowTracker.h"
#include "FlowView.h"
#include "GroupActions.h"
#include "KeyLookup.h"
#include "StreamTailer.h"
#include "TestRedis.h"

#include <QDateTime>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTest>

using namespace streamscope;
using namespace streamscope::test;

namespace {

StreamEntry flowEvent(const QByteArray &stream, quint64 ms, const QByteArray &type,
                      const QByteArray &key) {
    return StreamEntry::make(stream, {ms, 0}, {"type", type, "orderId", key});
}

// The script: 100 orders one second apart from t0; orders 0..79 paid after (i+1)*10 ms,
// 80..89 failed after 5 ms, 90..99 never paid. Latencies (ms) of the 90 finished flows: ten 5s,
// then 10, 20, ..., 800, so p50 = 350, p90 = 710, p99 = 800.
QList<StreamEntry> script(quint64 t0) {
    QList<StreamEntry> orders, payments;
    for (int i = 0; i < 100; ++i) {
        const quint64 at = t0 + quint64(i) * 1000;
        const QByteArray key = "o" + QByteArray::number(i);
        orders << flowEvent("order-events", at, "order.created", key);
        if (i < 80)
            payments << flowEvent("payment-events", at + quint64(i + 1) * 10, "payment.completed",
                                  key);
        else if (i < 90)
            payments << flowEvent("payment-events", at + 5, "payment.failed", key);
    }
    return orders + payments;
}

} // namespace

class TestFlow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        registerCoreMetaTypes();
        STREAMSCOPE_START_REDIS(m_server);
        m_c = connectTo(m_server.settings());
    }

    void trackerCountsAndPercentiles() {
        const quint64 t0 = 1'700'000'000'000;
        FlowTracker tracker;
        QList<StreamEntry> all = script(t0);
        std::sort(all.begin(), all.end(),
                  [](const StreamEntry &a, const StreamEntry &b) { return a.id < b.id; });
        for (const StreamEntry &e : all)
            tracker.add(e);
        const FlowStats s = tracker.stats(qint64(t0) + 200'000);
        QCOMPARE(s.started, 100);
        QCOMPARE(s.completed, 80);
        QCOMPARE(s.failed, 10);
        QCOMPARE(s.waiting, 10);
        QCOMPARE(s.waitingOverThreshold, 10);
        QCOMPARE(s.p50, 350);
        QCOMPARE(s.p90, 710);
        QCOMPARE(s.p99, 800);
        QCOMPARE(s.maxLatency, 800);
        QCOMPARE(s.oldestWaiting.first().key, QByteArray("o90"));
        QCOMPARE(s.oldestWaiting.first().ageMs, 200'000 - 90'000);
        QCOMPARE(s.recentFinished.first().key, QByteArray("o89")); // the last end event
        QVERIFY(s.recentFinished.first().failed);
        QCOMPARE(s.recentFinished.first().latencyMs(), 5);

        // Only flows older than the threshold count as overdue.
        const FlowStats early = tracker.stats(qint64(t0) + 125'000); // 30 s after o95
        QCOMPARE(early.waitingOverThreshold, 6);                     // o90..o95
    }

    void trackerEdgeCases() {
        FlowTracker tracker;
        tracker.add(flowEvent("payment-events", 5, "payment.completed", "before")); // start unseen
        tracker.add(flowEvent("order-events", 10, "order.created", "a"));
        tracker.add(flowEvent("order-events", 11, "order.created", "a")); // repeated start: ignored
        tracker.add(flowEvent("order-events", 12, "order.cancelled", "b")); // not a start type
        tracker.add(
            StreamEntry::make("order-events", {13, 0}, {"type", "order.created"})); // no key
        tracker.add(flowEvent("other", 14, "order.created", "c"));             // another stream
        tracker.add(flowEvent("payment-events", 20, "payment.refunded", "a")); // neither end type
        FlowStats s = tracker.stats(100);
        QCOMPARE(s.started, 1);
        QCOMPARE(s.endsWithoutStart, 1);
        QCOMPARE(s.waiting, 1);
        tracker.add(flowEvent("payment-events", 30, "payment.completed", "a"));
        tracker.add(flowEvent("payment-events", 31, "payment.completed", "a")); // a second end
        s = tracker.stats(100);
        QCOMPARE(s.completed, 1);
        QCOMPARE(s.endsWithoutStart, 2);
        QCOMPARE(s.p50, 20);

        // A bound on open flows: the oldest go, counted.
        FlowConfig bounded;
        bounded.maxOpenFlows = 3;
        tracker.setConfig(bounded); // the bound alone keeps the counts
        QCOMPARE(tracker.stats(100).completed, 1);
        for (int i = 0; i < 5; ++i)
            tracker.add(flowEvent("order-events", 100 + quint64(i), "order.created",
                                  "k" + QByteArray::number(i)));
        s = tracker.stats(100000);
        QCOMPARE(s.waiting, 3);
        QCOMPARE(s.untracked, 2);
        QCOMPARE(s.oldestWaiting.first().key, QByteArray("k2"));

        // Both stages on one stream, told apart by type; another key field.
        FlowConfig one;
        one.startStream = one.endStream = "jobs";
        one.keyField = "job";
        one.startType = "queued";
        one.completedType = "done";
        one.failedType = {};
        tracker.setConfig(one); // other flows: counting starts afresh
        QCOMPARE(tracker.stats(0).started, 0);
        tracker.add(StreamEntry::make("jobs", {1, 0}, {"type", "queued", "job", "j"}));
        tracker.add(StreamEntry::make("jobs", {4, 0}, {"type", "done", "job", "j"}));
        s = tracker.stats(10);
        QCOMPARE(s.started, 1);
        QCOMPARE(s.completed, 1);
        QCOMPARE(s.p99, 3);
    }

    void histogramAccuracy() {
        LatencyHistogram h;
        for (qint64 v = 1; v <= 100000; ++v)
            h.add(v);
        QCOMPARE(h.count(), 100000);
        QCOMPARE(h.max(), 100000);
        for (double q : {0.5, 0.9, 0.99}) {
            const double exact = q * 100000;
            QVERIFY2(std::abs(double(h.percentile(q)) - exact) <= exact * 0.016,
                     qPrintable(QStringLiteral("q %1: %2").arg(q).arg(h.percentile(q))));
        }
        QCOMPARE(h.countBetween(0, 1000), 999);
        QCOMPARE(h.countBetween(0, 1 << 30), 100000);
    }

    void viewOnARealTail() {
        run(*m_c, {"FLUSHALL"});
        const quint64 t0 = quint64(QDateTime::currentMSecsSinceEpoch()) - 200'000;
        QList<Command> adds;
        for (const StreamEntry &e : script(t0)) {
            Command cmd{"XADD", e.stream, e.id.toByteArray()};
            cmd << e.fields();
            adds << cmd;
        }
        auto replies = m_c->pipeline(adds);
        QVERIFY(replies.ok());
        for (const RedisReply &r : replies.value())
            QVERIFY2(!r.isError(), qPrintable(r.errorMessage()));

        FlowView view;
        GroupActions requests(m_server.settings());
        view.setRequests(&requests);
        TailController tail(m_server.settings(), StreamTailer::Options());
        connect(tail.tailer(), &StreamTailer::entriesReceived, &view, &FlowView::addEntries);
        tail.tailer()->addStream("order-events", "0");
        tail.tailer()->addStream("payment-events", "0");
        tail.start();
        QTRY_COMPARE_WITH_TIMEOUT((view.refresh(), view.stats().completed), 80, 10000);
        QTRY_COMPARE_WITH_TIMEOUT((view.refresh(), view.stats().failed), 10, 10000);
        const FlowStats &s = view.stats();
        QCOMPARE(s.started, 100);
        QCOMPARE(s.waiting, 10);
        QCOMPARE(s.waitingOverThreshold, 10);
        QCOMPARE(s.p50, 350);
        QCOMPARE(s.p90, 710);
        QCOMPARE(s.p99, 800);
        QVERIFY(view.counterText(QStringLiteral("started")).contains(QLatin1String(">100<")));
        QVERIFY(view.counterText(QStringLiteral("failed")).contains(QLatin1String(">10<")));
        QVERIFY(view.counterText(QStringLiteral("overdue")).contains(QLatin1String(">10<")));

        // The histogram as drawn: ten at 5 ms, 10 ms alone, 20..40, 50..90, 100..190, ...
        const QList<qreal> bars = view.histogramBars();
        const QList<qint64> edges = FlowView::histogramEdges();
        QCOMPARE(bars.size(), edges.size() - 1);
        QCOMPARE(bars.at(edges.indexOf(5)), 10.0);   // [5, 10)
        QCOMPARE(bars.at(edges.indexOf(10)), 1.0);   // [10, 20)
        QCOMPARE(bars.at(edges.indexOf(20)), 3.0);   // 20, 30, 40
        QCOMPARE(bars.at(edges.indexOf(500)), 31.0); // 500..800
        QCOMPARE(std::accumulate(bars.cbegin(), bars.cend(), 0.0), 90.0);

        auto *waiting = view.findChild<QTableWidget *>(QStringLiteral("waitingFlows"));
        QVERIFY(waiting);
        QCOMPARE(waiting->rowCount(), 10);
        QCOMPARE(waiting->item(0, 0)->text(), QStringLiteral("o90"));

        // Double-click a waiting flow: its events side by side (a start, no payment).
        QSignalSpy looked(&view, &FlowView::lookupFinished);
        Q_EMIT waiting->cellDoubleClicked(0, 0);
        QVERIFY(looked.wait(10000));
        QCOMPARE(view.lastLookup().streams.size(), 2);
        QCOMPARE(view.lastLookup().streams.at(0).entries.size(), 1);
        QCOMPARE(view.lastLookup().streams.at(0).entries.first().value("orderId"), "o90");
        QCOMPARE(view.lastLookup().streams.at(1).entries.size(), 0);
        QVERIFY(!view.lastLookup().anyCutShort());

        // A failed order: both events.
        view.lookup("o85");
        QVERIFY(looked.wait(10000));
        QCOMPARE(view.lastLookup().streams.at(1).entries.first().value("type"), "payment.failed");

        // Events still in the live window count too (here: one the server no longer has).
        view.searchLive = [](const QByteArray &field, const QByteArray &value) {
            return field == "orderId" && value == "o95"
                       ? StreamEntryList{flowEvent("payment-events", 1, "payment.completed", "o95")}
                       : StreamEntryList();
        };
        view.lookup("o95");
        QVERIFY(looked.wait(10000));
        QCOMPARE(view.lastLookup().streams.at(0).entries.size(), 1); // from the server
        QCOMPARE(view.lastLookup().streams.at(1).entries.size(), 1); // from the live window
        tail.stop();
    }

    void lookupIsBoundedAndSaysSo() {
        run(*m_c, {"FLUSHALL"});
        addEntries(*m_c, "big", 0, 5000); // fields seq, payload
        // Without bounds: one hit, 5000 scanned.
        KeyLookupResult r = lookupKey(*m_c, {"big"}, "seq", "10");
        QCOMPARE(r.streams.first().entries.size(), 1);
        QCOMPARE(r.streams.first().scanned, 5000);
        QVERIFY(!r.anyCutShort());
        // With a budget smaller than the distance: cut short, and it says how far it got.
        KeyLookupOptions o;
        o.maxScanned = 1200;
        o.pageSize = 500;
        r = lookupKey(*m_c, {"big"}, "seq", "10", o);
        QVERIFY(r.anyCutShort());
        QCOMPARE(r.streams.first().scanned, 1200);
        QVERIFY(r.streams.first().entries.isEmpty());
        QVERIFY(r.streams.first().reached.has_value());
        QVERIFY(r.describe().contains(QLatin1String("cut short")));
        // Stopped by the user between pages: cut short, and it says stopped.
        int pages = 0;
        o = KeyLookupOptions();
        o.pageSize = 500;
        o.stop = [&] { return ++pages > 2; };
        r = lookupKey(*m_c, {"big"}, "seq", "10", o);
        QVERIFY(r.streams.first().stopped);
        QCOMPARE(r.streams.first().scanned, 1000);
        QVERIFY(r.describe().contains(QLatin1String("(stopped)")));
        // A missing stream is no error, just nothing; a wrong type is said.
        run(*m_c, {"SET", "str", "x"});
        r = lookupKey(*m_c, {"nope", "str"}, "seq", "1");
        QCOMPARE(r.streams.at(0).entries.size(), 0);
        QVERIFY(r.streams.at(0).error.isEmpty());
        QVERIFY2(r.streams.at(1).error.contains(QLatin1String("WRONGTYPE")),
                 qPrintable(r.streams.at(1).error));
    }

private:
    LocalRedisServer m_server;
    std::unique_ptr<RedisConnection> m_c;
};

QTEST_MAIN(TestFlow)
#include "tst_flow.moc"
