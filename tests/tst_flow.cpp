// The event-flow view: correlation, counts, latency percentiles and the waiting list, first on
// the tracker alone, then in the view bound to a tracker fed by a real tail of a real server
// holding a scripted set of orders and payments; the key lookup through history; the settings
// (saved on change, from the command line); a BullMQ-shaped stream; streams the server lacks;
// counting from history; and lookups during an outage.
#include "FlowConfig.h"
#include "FlowHistory.h"
#include "FlowTracker.h"
#include "FlowView.h"
#include "GroupActions.h"
#include "KeyLookup.h"
#include "Palette.h"
#include "StreamTailer.h"
#include "TestRedis.h"

#include <QCommandLineParser>
#include <QDateTime>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <map>

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

// The tracker as it was before its flat arrays (a QHash of keys, a std::map in start order): the
// reference its counts and lists must match, whatever the order of starts and ends.
struct ReferenceTracker {
    int maxOpen = 0;
    QHash<QByteArray, StreamId> open;
    std::map<StreamId, QByteArray> byStart;
    QList<QByteArray> recent; // newest last
    qint64 started = 0, completed = 0, failed = 0, endsWithoutStart = 0, untracked = 0;
    QList<qint64> latencies;

    void start(const QByteArray &key, StreamId id) {
        if (open.contains(key))
            return;
        open.insert(key, id);
        byStart.emplace(id, key);
        ++started;
        while (open.size() > maxOpen) {
            open.remove(byStart.begin()->second);
            byStart.erase(byStart.begin());
            ++untracked;
        }
    }
    void end(const QByteArray &key, StreamId id, bool fail) {
        const auto it = open.constFind(key);
        if (it == open.cend()) {
            ++endsWithoutStart;
            return;
        }
        latencies << qint64(id.ms - it.value().ms);
        byStart.erase(it.value());
        open.erase(it);
        ++(fail ? failed : completed);
        recent << key;
    }
};

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

    // One XREAD of two streams returns them stream by stream: the payments may come first in
    // the batch. The tracker takes a batch in ID order, so no payment counts as "start unseen"
    // and no order waits for ever (the demo's first catch-up read showed 29 of each).
    void aBatchOfTwoStreamsIsTakenInTimeOrder() {
        FlowTracker tracker;
        StreamEntryList batch;
        for (int i = 0; i < 5; ++i)
            batch << flowEvent("payment-events", 100 + quint64(i) * 10 + 2, "payment.completed",
                               QByteArray::number(i));
        for (int i = 0; i < 5; ++i)
            batch << flowEvent("order-events", 100 + quint64(i) * 10, "order.created",
                               QByteArray::number(i));
        tracker.add(batch);
        const FlowStats s = tracker.stats(1000);
        QCOMPARE(s.started, 5);
        QCOMPARE(s.completed, 5);
        QCOMPARE(s.endsWithoutStart, 0);
        QCOMPARE(s.waiting, 0);
        QCOMPARE(s.maxLatency, 2);
    }

    // Starts mostly in ID order with some older ones (a stream made again, batches out of
    // order), ends in any order, repeated starts, unknown ends, a small bound (or none) and
    // enough flows for the tracker to compact its key buffer and start queue: after every step
    // its counts, its waiting list and its recent list are the reference's.
    void trackerMatchesAReference_data() {
        QTest::addColumn<int>("maxOpen");
        QTest::newRow("bound of 300") << 300;
        QTest::newRow("no bound reached") << 1000000;
    }
    void trackerMatchesAReference() {
        QFETCH(int, maxOpen);
        FlowConfig config;
        config.maxOpenFlows = maxOpen;
        config.waitingThresholdMs = 1000;
        FlowTracker tracker(config);
        ReferenceTracker ref;
        ref.maxOpen = config.maxOpenFlows;
        quint64 rnd = 42;
        // Unique IDs (sequence: the step), as in one stream.
        const auto event = [](const char *stream, StreamId id, const char *type,
                              const QByteArray &key) {
            return StreamEntry::make(stream, id, {"type", type, "orderId", key});
        };
        auto next = [&rnd](quint64 n) {
            rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL;
            return (rnd >> 33) % n;
        };
        QList<QByteArray> recentKeys; // keys started lately, ends pick from them
        quint64 clock = 100000;
        int stragglers = 0;
        for (int step = 0; step < 60000; ++step) {
            clock += next(3);
            const quint64 op = next(100);
            if (op < 35) {
                // A start: a fresh key of varying length, or now and then an old time.
                const QByteArray key =
                    "k" + QByteArray::number(step) + QByteArray(int(next(3) * 7), 'x');
                const bool old = op < 2;
                stragglers += old ? 1 : 0;
                const StreamId id{old ? clock - 2000 - next(5000) : clock, quint64(step)};
                tracker.add(event("order-events", id, "order.created", key));
                ref.start(key, id);
                recentKeys << key;
                if (recentKeys.size() > 600)
                    recentKeys.remove(0, 100);
            } else if (op < 40 && !recentKeys.isEmpty()) {
                const QByteArray &key = recentKeys.at(qsizetype(next(quint64(recentKeys.size()))));
                const StreamId id{clock, quint64(step)};
                tracker.add(event("order-events", id, "order.created", key)); // repeated
                ref.start(key, id);
            } else if (op < 95 && !recentKeys.isEmpty()) {
                const QByteArray key = recentKeys.at(qsizetype(next(quint64(recentKeys.size()))));
                const bool fail = next(10) == 0;
                const StreamId id{clock, quint64(step)};
                tracker.add(event("payment-events", id,
                                  fail ? "payment.failed" : "payment.completed", key));
                ref.end(key, id, fail);
            } else {
                const QByteArray key = "never" + QByteArray::number(step);
                tracker.add(
                    event("payment-events", {clock, quint64(step)}, "payment.completed", key));
                ref.end(key, {clock, quint64(step)}, false);
            }
            if (step % 997 != 0 && step != 59999)
                continue;
            const FlowStats s = tracker.stats(qint64(clock), 1000);
            QCOMPARE(s.started, ref.started);
            QCOMPARE(s.completed, ref.completed);
            QCOMPARE(s.failed, ref.failed);
            QCOMPARE(s.waiting, qint64(ref.open.size()));
            QCOMPARE(s.untracked, ref.untracked);
            QCOMPARE(s.endsWithoutStart, ref.endsWithoutStart);
            // Overdue: started at or before clock - 1000, oldest first.
            QList<QByteArray> overdue;
            for (const auto &[id, key] : ref.byStart)
                if (id.ms + 1000 <= clock)
                    overdue << key;
            QCOMPARE(s.waitingOverThreshold, qint64(overdue.size()));
            QList<QByteArray> listed;
            for (const WaitingFlow &w : s.oldestWaiting)
                listed << w.key;
            QCOMPARE(listed, overdue.mid(0, 1000));
            QList<QByteArray> finished;
            for (const FinishedFlow &f : s.recentFinished)
                finished << f.key;
            QList<QByteArray> expected;
            for (qsizetype i = ref.recent.size() - 1; i >= 0 && expected.size() < 200; --i)
                expected << ref.recent.at(i);
            QCOMPARE(finished, expected);
            QCOMPARE(tracker.histogram().count(), qint64(ref.latencies.size()));
            if (!ref.latencies.isEmpty())
                QCOMPARE(s.maxLatency,
                         std::max<qint64>(
                             0, *std::max_element(ref.latencies.cbegin(), ref.latencies.cend())));
        }
        QVERIFY(stragglers > 500);
        QVERIFY(maxOpen > 1000 || ref.untracked > 1000);
        QVERIFY(ref.completed > 1000);
        // Everything dropped: the memory goes back.
        tracker.reset();
        QCOMPARE(tracker.heldBytes(), 0);
        QCOMPARE(tracker.stats(0).waiting, 0);
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

    void latencyWording() {
        QCOMPARE(formatLatency(0), QStringLiteral("0 ms"));
        QCOMPARE(formatLatency(350), QStringLiteral("350 ms"));
        QCOMPARE(formatLatency(1250), QStringLiteral("1.2 s"));
        QCOMPARE(formatLatency(42000), QStringLiteral("42 s"));
        QCOMPARE(formatLatency(184000), QStringLiteral("3 min 4 s"));
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
        FlowTracker tracker; // the session's, in the window
        view.setTracker(&tracker);
        GroupActions requests(m_server.settings());
        view.setRequests(&requests);
        TailController tail(m_server.settings(), StreamTailer::Options());
        connect(tail.tailer(), &StreamTailer::entriesReceived, &view,
                [&tracker](const StreamEntryList &batch) { tracker.add(batch); });
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

    // The tracker belongs to the connection: the view shows the bound one, or nothing.
    void trackerBoundAndUnbound() {
        FlowView view;
        view.refresh();
        QVERIFY2(view.counterText(QStringLiteral("started")).contains(QLatin1String(">-<")),
                 qPrintable(view.counterText(QStringLiteral("started"))));
        QVERIFY(view.noteText().contains(QLatin1String("Not connected")));

        FlowTracker tracker;
        tracker.add(flowEvent("order-events", 10, "order.created", "a"));
        tracker.add(flowEvent("payment-events", 30, "payment.completed", "a"));
        view.setTracker(&tracker); // the same (default) flows: the counts stay
        QCOMPARE(view.tracker(), &tracker);
        QCOMPARE(view.stats().completed, 1);
        QVERIFY(view.counterText(QStringLiteral("completed")).contains(QLatin1String(">1<")));
        QVERIFY(!view.noteText().contains(QLatin1String("Not connected")));
        view.addEntries({flowEvent("order-events", 40, "order.created", "b")}); // forwarded
        QCOMPARE(tracker.stats(100).started, 2);

        // The view's configuration goes to the bound tracker.
        FlowConfig jobs;
        jobs.startStream = "jobs";
        jobs.endStream = "results";
        jobs.keyField = "jobId";
        view.setConfig(jobs);
        QCOMPARE(tracker.config(), jobs);
        QCOMPARE(view.stats().started, 0); // other flows: counted afresh

        // A tracker bound later (another connection's) gets the view's configuration too.
        FlowTracker other;
        view.setTracker(&other);
        QCOMPARE(other.config(), jobs);
        other.add(StreamEntry::make("jobs", {1, 0}, {"type", "order.created", "jobId", "j"}));
        view.refresh();
        QCOMPARE(view.stats().started, 1);

        view.setTracker(nullptr);
        QCOMPARE(view.stats().started, 0);
        QVERIFY(view.counterText(QStringLiteral("started")).contains(QLatin1String(">-<")));
        QCOMPARE(view.histogramBars().count(0.0), view.histogramBars().size());
    }

    // The "flow" group as MainWindow wrote it is restored, and every change is on disk at once
    // (a killed app keeps it), not only when the window closes.
    void settingsSavedOnChange() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("StreamScope.conf"));
        {
            QSettings before(path, QSettings::IniFormat);
            before.beginGroup(QStringLiteral("flow"));
            before.setValue(QStringLiteral("startStream"), QByteArray("jobs"));
            before.setValue(QStringLiteral("endStream"), QByteArray("results"));
            before.setValue(QStringLiteral("keyField"), QByteArray("jobId"));
            before.setValue(QStringLiteral("typeField"), QByteArray("kind"));
            before.setValue(QStringLiteral("startType"), QByteArray("queued"));
            before.setValue(QStringLiteral("completedType"), QByteArray("done"));
            before.setValue(QStringLiteral("failedType"), QByteArray("error"));
            before.setValue(QStringLiteral("waitingThresholdMs"), qint64(5000));
            before.endGroup();
        }
        QSettings store(path, QSettings::IniFormat);
        FlowView view;
        FlowTracker tracker;
        view.setTracker(&tracker);
        QSignalSpy changed(&view, &FlowView::configChanged);
        view.setSettingsStore(&store);
        QCOMPARE(view.config().startStream, QByteArray("jobs"));
        QCOMPARE(view.config().endStream, QByteArray("results"));
        QCOMPARE(view.config().keyField, QByteArray("jobId"));
        QCOMPARE(view.config().typeField, QByteArray("kind"));
        QCOMPARE(view.config().startType, QByteArray("queued"));
        QCOMPARE(view.config().completedType, QByteArray("done"));
        QCOMPARE(view.config().failedType, QByteArray("error"));
        QCOMPARE(view.config().waitingThresholdMs, 5000);
        QCOMPARE(tracker.config(), view.config());
        QCOMPARE(changed.count(), 1);
        auto *key = view.findChild<QLineEdit *>(QStringLiteral("flowKeyField"));
        QVERIFY(key);
        QCOMPARE(key->text(), QStringLiteral("jobId"));

        // A change in the form: on disk before anything closes (another reader sees it).
        key->setText(QStringLiteral("orderNo"));
        Q_EMIT key->editingFinished();
        QCOMPARE(tracker.config().keyField, QByteArray("orderNo"));
        {
            QSettings reader(path, QSettings::IniFormat);
            QCOMPARE(reader.value(QStringLiteral("flow/keyField")).toByteArray(),
                     QByteArray("orderNo"));
            QCOMPARE(reader.value(QStringLiteral("flow/startStream")).toByteArray(),
                     QByteArray("jobs"));
        }
        // Several failure types, separated by commas.
        auto *failed = view.findChild<QLineEdit *>(QStringLiteral("flowFailedType"));
        failed->setText(QStringLiteral("error, timeout"));
        Q_EMIT failed->editingFinished();
        QCOMPARE(view.config().failedTypes(), (QList<QByteArray>{"error", "timeout"}));
        QCOMPARE(QSettings(path, QSettings::IniFormat)
                     .value(QStringLiteral("flow/failedType"))
                     .toByteArray(),
                 QByteArray("error, timeout"));

        // A form that cannot find flows is not applied, not saved, and says why.
        key->setText(QString());
        Q_EMIT key->editingFinished();
        QCOMPARE(view.config().keyField, QByteArray("orderNo"));
        QVERIFY2(view.noteText().contains(QLatin1String("key field")), qPrintable(view.noteText()));
        QCOMPARE(QSettings(path, QSettings::IniFormat)
                     .value(QStringLiteral("flow/keyField"))
                     .toByteArray(),
                 QByteArray("orderNo"));

        // setConfig (the command line's way in) is a change: saved too.
        FlowConfig c = view.config();
        c.endStream = "outcomes";
        view.setConfig(c);
        QCOMPARE(QSettings(path, QSettings::IniFormat)
                     .value(QStringLiteral("flow/endStream"))
                     .toByteArray(),
                 QByteArray("outcomes"));
        QVERIFY(!view.noteText().contains(QLatin1String("key field")));

        // Without a saved group the view keeps its configuration (and writes nothing).
        QSettings empty(dir.filePath(QStringLiteral("empty.conf")), QSettings::IniFormat);
        FlowView fresh;
        fresh.setSettingsStore(&empty);
        QCOMPARE(fresh.config(), FlowConfig());
        QVERIFY(!hasSavedFlowConfig(empty));
    }

    void flagParsing_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("error"); // "" when it parses
        QTest::addColumn<QByteArray>("startStream");
        QTest::addColumn<QByteArray>("startType");
        QTest::addColumn<QByteArray>("endStream");
        QTest::addColumn<QByteArray>("completedType");
        QTest::addColumn<QByteArray>("failedType");
        QTest::addColumn<QByteArray>("keyField");
        QTest::addColumn<QByteArray>("typeField");
        const FlowConfig d;
        QTest::newRow("bullmq")
            << QStringList{"--flow-start",      "bull:q:events:added",
                           "--flow-end",        "bull:q:events:completed,failed",
                           "--flow-key",        "jobId",
                           "--flow-type-field", "event"}
            << QString() << QByteArray("bull:q:events") << QByteArray("added")
            << QByteArray("bull:q:events") << QByteArray("completed") << QByteArray("failed")
            << QByteArray("jobId") << QByteArray("event");
        QTest::newRow("several failures")
            << QStringList{"--flow-end", "payment-events:paid, declined ,timeout"} << QString()
            << d.startStream << d.startType << QByteArray("payment-events") << QByteArray("paid")
            << QByteArray("declined,timeout") << d.keyField << d.typeField;
        QTest::newRow("only the key: the rest stays")
            << QStringList{"--flow-key", "orderNo"} << QString() << d.startStream << d.startType
            << d.endStream << d.completedType << d.failedType << QByteArray("orderNo")
            << d.typeField;
        QTest::newRow("any entry of the start stream")
            << QStringList{"--flow-start", "orders:"} << QString() << QByteArray("orders")
            << QByteArray() << d.endStream << d.completedType << d.failedType << d.keyField
            << d.typeField;
        QTest::newRow("no colon") << QStringList{"--flow-start", "orders"}
                                  << QString("--flow-start needs STREAM:TYPE") << QByteArray()
                                  << QByteArray() << QByteArray() << QByteArray() << QByteArray()
                                  << QByteArray() << QByteArray();
        QTest::newRow("no stream")
            << QStringList{"--flow-end", ":completed"} << QString("--flow-end needs a stream name")
            << QByteArray() << QByteArray() << QByteArray() << QByteArray() << QByteArray()
            << QByteArray() << QByteArray();
        QTest::newRow("empty failure type")
            << QStringList{"--flow-end", "s:done,,failed"} << QString("an empty type")
            << QByteArray() << QByteArray() << QByteArray() << QByteArray() << QByteArray()
            << QByteArray() << QByteArray();
        QTest::newRow("empty key")
            << QStringList{"--flow-key", " "} << QString("--flow-key needs a field name")
            << QByteArray() << QByteArray() << QByteArray() << QByteArray() << QByteArray()
            << QByteArray() << QByteArray();
        QTest::newRow("one stream, no start type")
            << QStringList{"--flow-start", "jobs:", "--flow-end", "jobs:done"}
            << QString("the start type tells them apart") << QByteArray() << QByteArray()
            << QByteArray() << QByteArray() << QByteArray() << QByteArray() << QByteArray();
        QTest::newRow("types without a type field")
            << QStringList{"--flow-type-field", ""} << QString("type field") << QByteArray()
            << QByteArray() << QByteArray() << QByteArray() << QByteArray() << QByteArray()
            << QByteArray();
    }

    void flagParsing() {
        QFETCH(QStringList, args);
        QFETCH(QString, error);
        QCommandLineParser parser;
        parser.addOptions(flowOptions());
        QVERIFY2(parser.parse(QStringList{QStringLiteral("streamscope")} + args),
                 qPrintable(parser.errorText()));
        QVERIFY(anyFlowOptionSet(parser));
        const Result<FlowConfig> c = flowConfigFromOptions(parser, FlowConfig());
        if (!error.isEmpty()) {
            QVERIFY(!c.ok());
            QCOMPARE(c.error().kind, Error::Kind::InvalidArgument);
            QVERIFY2(c.error().message.contains(error), qPrintable(c.error().message));
            return;
        }
        QVERIFY2(c.ok(), qPrintable(c.error().message));
        QTEST(c->startStream, "startStream");
        QTEST(c->startType, "startType");
        QTEST(c->endStream, "endStream");
        QTEST(c->completedType, "completedType");
        QTEST(c->failedType, "failedType");
        QTEST(c->keyField, "keyField");
        QTEST(c->typeField, "typeField");
    }

    void noFlagsNoChange() {
        QCommandLineParser parser;
        parser.addOptions(flowOptions());
        QVERIFY(parser.parse({QStringLiteral("streamscope")}));
        QVERIFY(!anyFlowOptionSet(parser));
    }

    // BullMQ keeps a job's life in one stream: bull:QUEUE:events, key jobId, type field event.
    void bullmqEventsStream() {
        run(*m_c, {"FLUSHALL"});
        QCommandLineParser parser;
        parser.addOptions(flowOptions());
        QVERIFY(parser.parse({"streamscope", "--flow-start", "bull:q:events:added", "--flow-end",
                              "bull:q:events:completed,failed", "--flow-key", "jobId",
                              "--flow-type-field", "event"}));
        const Result<FlowConfig> config = flowConfigFromOptions(parser, FlowConfig());
        QVERIFY(config.ok());
        auto xadd = [this](const QByteArray &event, const QByteArray &job) {
            run(*m_c, {"XADD", "bull:q:events", "*", "event", event, "jobId", job});
        };
        xadd("added", "1");
        xadd("waiting", "1");
        xadd("active", "1");
        xadd("completed", "1");
        xadd("added", "2");
        xadd("failed", "2");
        xadd("added", "3");
        xadd("active", "3");

        FlowView view;
        FlowTracker tracker;
        view.setTracker(&tracker);
        view.setConfig(config.value());
        GroupActions requests(m_server.settings());
        view.setRequests(&requests);
        TailController tail(m_server.settings(), StreamTailer::Options());
        connect(tail.tailer(), &StreamTailer::entriesReceived, &view,
                [&tracker](const StreamEntryList &batch) { tracker.add(batch); });
        tail.tailer()->addStream("bull:q:events", "0");
        tail.start();
        QTRY_COMPARE_WITH_TIMEOUT((view.refresh(), view.stats().started), 3, 10000);
        tail.stop();
        QCOMPARE(view.stats().completed, 1);
        QCOMPARE(view.stats().failed, 1);
        QCOMPARE(view.stats().waiting, 1);
        QCOMPARE(view.stats().endsWithoutStart, 0);
        view.setKnownStreams({"bull:q:events"}, true);
        QVERIFY2(!view.noteText().contains(QLatin1String("exist")), qPrintable(view.noteText()));

        // One stream, two panes: the start (and what came between) left, the end right; each
        // entry once, and no "missing" other side.
        QSignalSpy looked(&view, &FlowView::lookupFinished);
        view.lookup("1");
        QVERIFY(looked.wait(10000));
        QCOMPARE(view.lastLookup().streams.size(), 1);
        const StreamEntryList start = view.paneEntries(0), end = view.paneEntries(1);
        QCOMPARE(start.size(), 3); // added, waiting, active
        QCOMPARE(start.first().value("event"), QByteArray("added"));
        QCOMPARE(end.size(), 1);
        QCOMPARE(end.first().value("event"), QByteArray("completed"));
        for (const StreamEntry &e : start)
            QVERIFY(!(e.id == end.first().id));
        QVERIFY2(view.paneTitle(0).contains(QLatin1String("start (added)")),
                 qPrintable(view.paneTitle(0)));
        QVERIFY2(view.paneTitle(1).contains(QLatin1String("end (completed, failed)")),
                 qPrintable(view.paneTitle(1)));
        QVERIFY(view.paneTitle(1).contains(QLatin1String("1 event")));
        QVERIFY(!view.paneTitle(1).contains(QLatin1String("no event")));

        // A job still running: its end pane says so.
        view.lookup("3");
        QVERIFY(looked.wait(10000));
        QCOMPARE(view.paneEntries(0).size(), 2);
        QCOMPARE(view.paneEntries(1).size(), 0);
        QVERIFY2(view.paneTitle(1).contains(QLatin1String("no end event yet")),
                 qPrintable(view.paneTitle(1)));

        // The live window's copy of an entry the server also returned is not shown twice.
        view.searchLive = [](const QByteArray &, const QByteArray &) {
            return StreamEntryList{
                StreamEntry::make("bull:q:events", {1, 0}, {"event", "added", "jobId", "2"})};
        };
        view.lookup("2");
        QVERIFY(looked.wait(10000));
        QCOMPARE(view.paneEntries(0).size(), 2); // the server's "added" and the live window's
        QCOMPARE(view.paneEntries(1).size(), 1); // "failed"
        view.searchLive = nullptr;
    }

    // On a server without the configured streams the view says so, not zeros.
    void missingStreamsAreSaid() {
        FlowView view;
        FlowTracker tracker;
        view.setTracker(&tracker);
        view.setKnownStreams({"bull:q:events", "audit"}, true);
        QVERIFY2(view.noteText().contains(QLatin1String(
                     "order-events and payment-events do not exist on this server: set the "
                     "flow's streams")),
                 qPrintable(view.noteText()));
        for (const char *tile : {"started", "completed", "failed", "waiting", "overdue"})
            QVERIFY2(view.counterText(QLatin1String(tile)).contains(QLatin1String(">-<")),
                     qPrintable(view.counterText(QLatin1String(tile))));
        view.setKnownStreams({"order-events"}, true);
        QVERIFY(view.noteText().contains(
            QLatin1String("payment-events does not exist on this server")));
        QVERIFY(!view.noteText().contains(QLatin1String("order-events")));
        // An incomplete list proves nothing.
        view.setKnownStreams({"audit"}, false);
        QVERIFY(!view.noteText().contains(QLatin1String("exist")));
        QVERIFY(view.counterText(QStringLiteral("started")).contains(QLatin1String(">0<")));
        // Both there: counts as usual.
        view.setKnownStreams({"order-events", "payment-events"}, true);
        QVERIFY(!view.noteText().contains(QLatin1String("exist")));
        // A new flow configuration is judged against the same list.
        FlowConfig c;
        c.startStream = c.endStream = "bull:q:events";
        c.startType = "added";
        c.keyField = "jobId";
        view.setConfig(c);
        QVERIFY2(view.noteText().contains(QLatin1String(
                     "bull:q:events does not exist on this server: set the flow's streams")),
                 qPrintable(view.noteText()));
    }

    // Counting from history: by ID range, both streams merged in time, bounded and saying so.
    void historyCountOverARange() {
        run(*m_c, {"FLUSHALL"});
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        auto add = [this](const QByteArray &stream, qint64 at, const QByteArray &type,
                          const QByteArray &key) {
            const RedisReply r = run(*m_c, {"XADD", stream, QByteArray::number(at) + "-0", "type",
                                            type, "orderId", key});
            QVERIFY2(!r.isError(), qPrintable(r.errorMessage()));
        };
        add("order-events", now - 20 * 60000, "order.created", "old"); // before the range
        add("payment-events", now - 20 * 60000 + 100, "payment.completed", "old");
        add("order-events", now - 16 * 60000, "order.created", "edge"); // started before
        add("payment-events", now - 14 * 60000, "payment.completed", "edge");
        for (int i = 0; i < 5; ++i) {
            const qint64 at = now - 10 * 60000 + i * 1000;
            const QByteArray key = "r" + QByteArray::number(i);
            add("order-events", at, "order.created", key);
            if (i < 3)
                add("payment-events", at + 50, "payment.completed", key);
            else if (i == 3)
                add("payment-events", at + 20, "payment.failed", key);
        }

        FlowView view;
        GroupActions requests(m_server.settings());
        view.setRequests(&requests);
        QSignalSpy counted(&view, &FlowView::historyCounted);
        view.countHistory(15);
        QVERIFY(counted.wait(10000));
        const FlowHistoryResult &h = view.lastHistory();
        QVERIFY2(h.ok(), qPrintable(h.error));
        QCOMPARE(h.stats.started, 5);
        QCOMPARE(h.stats.completed, 3);
        QCOMPARE(h.stats.failed, 1);
        QCOMPARE(h.stats.waiting, 1);
        QCOMPARE(h.stats.endsWithoutStart, 1);
        QCOMPARE(h.stats.p50, 50);
        QCOMPARE(h.scanned, (QList<qint64>{5, 5}));
        QVERIFY(!h.cutShort());
        QVERIFY2(view.historyText().contains(QLatin1String("5 flows started, 3 completed, 1 "
                                                           "failed, 1 not finished")),
                 qPrintable(view.historyText()));
        QVERIFY(view.historyText().contains(QLatin1String("1 end event whose flow started")));
        QVERIFY2(view.historyText().contains(QLatin1String("p50 50 ms")),
                 qPrintable(view.historyText()));

        // The bound cuts it, at a moment both streams were read to, and it says so.
        FlowConfig config;
        FlowHistoryOptions small;
        small.maxPerStream = 3;
        small.pageSize = 2;
        FlowHistoryResult cut = countFlowHistory(*m_c, config, now - 15 * 60000, now, small);
        QVERIFY(cut.ok());
        QVERIFY(!cut.boundedBy.isEmpty());
        QVERIFY(cut.countedToMs < now);
        QVERIFY(cut.stats.started < 5);
        QVERIFY2(cut.describe().contains(QLatin1String("Cut short")), qPrintable(cut.describe()));
        QVERIFY(cut.describe().contains(QLatin1String("more than 3 entries")));
        // Exactly at the bound is not cut: nothing was left unread.
        FlowHistoryOptions exact;
        exact.maxPerStream = 5;
        exact.pageSize = 2;
        FlowHistoryResult whole = countFlowHistory(*m_c, config, now - 15 * 60000, now, exact);
        QVERIFY2(!whole.cutShort(), qPrintable(whole.describe()));
        QCOMPARE(whole.stats.started, 5);
        QCOMPARE(whole.scanned, (QList<qint64>{5, 5}));
        // Stopped by the user.
        FlowHistoryOptions stopNow;
        stopNow.stop = [] { return true; };
        FlowHistoryResult stopped = countFlowHistory(*m_c, config, now - 15 * 60000, now, stopNow);
        QVERIFY(stopped.stopped);
        QVERIFY(stopped.describe().contains(QLatin1String("Stopped")));
        // One stream: the BullMQ shape, by type.
        FlowConfig one;
        one.startStream = one.endStream = "jobs";
        one.keyField = "jobId";
        one.typeField = "event";
        one.startType = "added";
        one.completedType = "completed";
        one.failedType = "failed";
        run(*m_c, {"XADD", "jobs", QByteArray::number(now - 60000) + "-0", "event", "added",
                   "jobId", "1"});
        run(*m_c, {"XADD", "jobs", QByteArray::number(now - 59000) + "-0", "event", "completed",
                   "jobId", "1"});
        FlowHistoryResult jobs = countFlowHistory(*m_c, one, now - 5 * 60000, now);
        QVERIFY(jobs.ok());
        QCOMPARE(jobs.stats.completed, 1);
        QCOMPARE(jobs.stats.p50, 1000);
        // A wrong type is an error, not zeros.
        run(*m_c, {"SET", "order-events", "x"});
        FlowHistoryResult wrong = countFlowHistory(*m_c, config, now - 15 * 60000, now);
        QVERIFY(!wrong.ok());
        QVERIFY2(wrong.describe().contains(QLatin1String("Could not count")),
                 qPrintable(wrong.describe()));
    }

    // "Where is" during an outage says it could not search, and why: never "no event".
    void whereIsDuringAnOutage() {
        // The session says the data is stale: nothing is searched, and the view says so.
        FlowView view;
        FlowTracker tracker;
        tracker.add(flowEvent("order-events", 10, "order.created", "a"));
        view.setTracker(&tracker);
        GroupActions requests(m_server.settings());
        view.setRequests(&requests);
        Freshness stale;
        stale.state = Freshness::State::Stale;
        stale.reason = QStringLiteral("the server does not answer");
        stale.lastUpdatedMs = QDateTime::currentMSecsSinceEpoch() - 5000;
        view.setFreshness(stale);
        QVERIFY2(view.noteText().contains(stale.lastUpdatedText()), qPrintable(view.noteText()));
        QVERIFY(view.noteText().contains(QLatin1String("the server does not answer")));
        QVERIFY(
            view.counterText(QStringLiteral("started")).contains(toneStyle(Tone::Muted))); // greyed
        QVERIFY(view.counterText(QStringLiteral("started")).contains(QLatin1String(">1<")));
        QSignalSpy looked(&view, &FlowView::lookupFinished);
        view.lookup("a");
        QCOMPARE(looked.count(), 1); // answered at once
        QVERIFY2(view.lookupNoteText().contains(QLatin1String("Could not search")),
                 qPrintable(view.lookupNoteText()));
        QVERIFY(view.lookupNoteText().contains(QLatin1String("the server does not answer")));
        for (int side : {0, 1}) {
            QVERIFY2(view.paneTitle(side).contains(QLatin1String("could not search")),
                     qPrintable(view.paneTitle(side)));
            QVERIFY(!view.paneTitle(side).contains(QLatin1String("no event")));
        }
        // What the live window still holds is shown, marked as such.
        view.searchLive = [](const QByteArray &, const QByteArray &) {
            return StreamEntryList{flowEvent("order-events", 10, "order.created", "a")};
        };
        view.lookup("a");
        QVERIFY(view.paneTitle(0).contains(QLatin1String("1 event from the live window")));
        QVERIFY(view.lookupNoteText().contains(QLatin1String("only what the live window holds")));
        view.searchLive = nullptr;
        // Counting history is refused the same way.
        QSignalSpy counted(&view, &FlowView::historyCounted);
        view.countHistory(5);
        QCOMPARE(counted.count(), 1);
        QVERIFY2(view.historyText().contains(QLatin1String("Could not count")),
                 qPrintable(view.historyText()));
        // Current again: greying goes, and searching works.
        Freshness current;
        current.state = Freshness::State::Current;
        current.lastUpdatedMs = QDateTime::currentMSecsSinceEpoch();
        view.setFreshness(current);
        QVERIFY(!view.counterText(QStringLiteral("started")).contains(toneStyle(Tone::Muted)));
        QVERIFY(!view.noteText().contains(QLatin1String("last updated")));

        // The server dies while the view still believes it current: the search fails, and the
        // view says it could not search.
        LocalRedisServer doomed;
        STREAMSCOPE_START_REDIS(doomed);
        GroupActions doomedRequests(doomed.settings());
        view.setRequests(&doomedRequests);
        doomed.kill();
        view.lookup("a");
        QVERIFY(looked.wait(20000));
        QVERIFY2(view.lookupNoteText().contains(QLatin1String("Could not search")),
                 qPrintable(view.lookupNoteText()));
        for (int side : {0, 1})
            QVERIFY2(!view.paneTitle(side).contains(QLatin1String("no event")),
                     qPrintable(view.paneTitle(side)));
        view.setRequests(nullptr);
    }

private:
    LocalRedisServer m_server;
    std::unique_ptr<RedisConnection> m_c;
};

QTEST_MAIN(TestFlow)
#include "tst_flow.moc"
