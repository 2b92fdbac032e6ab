#include "StreamTailer.h"
#include "TestRedis.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>
#include <limits>
#include <thread>

using namespace streamscope;
using namespace streamscope::test;

namespace {

// Receives everything a tailer emits, on the test's thread (queued, as the GUI does).
class Collector : public QObject {
public:
    explicit Collector(StreamTailer *tailer) {
        connect(tailer, &StreamTailer::entriesReceived, this,
                [this](const StreamEntryList &batch) { entries.append(batch); });
        connect(tailer, &StreamTailer::gapDetected, this,
                [this](const TailGap &gap) { gaps.append(gap); });
        connect(tailer, &StreamTailer::stateChanged, this,
                [this](TailState s, const QString &detail) {
                    states.append(s);
                    details.append(detail);
                });
        connect(tailer, &StreamTailer::streamReset, this,
                [this](const TailReset &reset) { resets.append(reset); });
        connect(tailer, &StreamTailer::statsUpdated, this, [this](const TailStats &s) {
            stats = s;
            if (s.count > 0)
                smallestCount = qMin(smallestCount, s.count);
        });
        connect(tailer, &StreamTailer::streamFailed, this,
                [this](const QByteArray &stream, const QString &message) {
                    failures.append(QString::fromUtf8(stream) + QLatin1String(": ") + message);
                });
        connect(tailer, &StreamTailer::caughtUp, this, [this] { ++caughtUp; });
    }
    // The seq field of each entry of stream, in arrival order.
    QList<int> seqs(const QByteArray &stream) const {
        QList<int> out;
        for (const StreamEntry &e : entries)
            if (e.stream == stream)
                out.append(e.value("seq").toInt());
        return out;
    }
    bool isLive() const { return !states.isEmpty() && states.last() == TailState::Live; }

    StreamEntryList entries;
    QList<TailGap> gaps;
    QList<TailState> states;
    QStringList details;
    QList<TailReset> resets;
    QStringList failures;
    TailStats stats;
    int smallestCount = std::numeric_limits<int>::max(); // COUNT, as the figures showed it
    int caughtUp = 0;
};

QList<int> range(int from, int count) {
    QList<int> out;
    for (int i = from; i < from + count; ++i)
        out.append(i);
    return out;
}

// XADD with an explicit ID: {seq: seq}.
void addAt(RedisConnection &connection, const QByteArray &stream, const QByteArray &id, int seq) {
    run(connection, {"XADD", stream, id, "seq", QByteArray::number(seq)});
}

QList<int> sorted(QList<int> values) {
    std::sort(values.begin(), values.end());
    return values;
}

StreamTailer::Options fastOptions() {
    StreamTailer::Options o;
    o.blockMs = 500;
    o.statsIntervalMs = 200;
    o.count = 50; // several batches even for small tests
    return o;
}

} // namespace

class TestStreamTailer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { STREAMSCOPE_START_REDIS(m_server); }
    void init() {
        m_admin = connectTo(m_server.settings());
        run(*m_admin, {"FLUSHALL"});
    }

    void tailsSeveralStreamsInOrder() {
        TailController controller(m_server.settings(), fastOptions());
        Collector got(controller.tailer());
        controller.tailer()->addStream("orders", "$");
        controller.tailer()->addStream("payments", "$");
        controller.start();
        QTRY_VERIFY(got.isLive());
        QTRY_COMPARE(got.caughtUp, 1); // positions resolved: what comes now is seen

        for (int i = 0; i < 300; ++i)
            run(*m_admin,
                {"XADD", i % 3 ? "orders" : "payments", "*", "seq", QByteArray::number(i)});
        QTRY_COMPARE(got.entries.size(), 300);
        QList<int> orders, payments;
        for (int i = 0; i < 300; ++i)
            (i % 3 ? orders : payments).append(i);
        QCOMPARE(got.seqs("orders"), orders);
        QCOMPARE(got.seqs("payments"), payments);
        // Entries of one stream arrive in ID order.
        for (qsizetype i = 1; i < got.entries.size(); ++i)
            if (got.entries[i].stream == got.entries[i - 1].stream)
                QVERIFY(got.entries[i - 1].id < got.entries[i].id);
        QTRY_COMPARE(got.stats.entries, qint64(300));
        QVERIFY(got.gaps.isEmpty());
    }

    void startPositions() {
        addEntries(*m_admin, "s", 0, 120);
        const RedisReply tenth = run(*m_admin, {"XRANGE", "s", "-", "+", "COUNT", "10"});
        const QByteArray tenthId = tenth.at(9).at(0).bytes();

        TailController fromStart(m_server.settings(), fastOptions());
        Collector all(fromStart.tailer());
        fromStart.tailer()->addStream("s", "0");
        TailController fromId(m_server.settings(), fastOptions());
        Collector after(fromId.tailer());
        fromId.tailer()->addStream("s", tenthId);
        TailController fromNow(m_server.settings(), fastOptions());
        Collector fresh(fromNow.tailer());
        fromNow.tailer()->addStream("s", "$");
        fromStart.start();
        fromId.start();
        fromNow.start();
        QTRY_COMPARE(all.caughtUp, 1);
        QTRY_COMPARE(after.caughtUp, 1);
        QTRY_COMPARE(fresh.caughtUp, 1);
        addEntries(*m_admin, "s", 120, 5);
        QTRY_COMPARE(all.seqs("s"), range(0, 125));
        QTRY_COMPARE(after.seqs("s"), range(10, 115));
        QTRY_COMPARE(fresh.seqs("s"), range(120, 5));
    }

    void streamCreatedLater() {
        TailController controller(m_server.settings(), fastOptions());
        Collector got(controller.tailer());
        controller.tailer()->addStream("not-yet", "$");
        controller.start();
        QTRY_COMPARE(got.caughtUp, 1);
        addEntries(*m_admin, "not-yet", 0, 3);
        QTRY_COMPARE(got.seqs("not-yet"), range(0, 3));
    }

    // The server is killed (SIGKILL) and restarted with its data while a writer keeps going:
    // every entry arrives exactly once, in order.
    void resumesAfterServerRestart() {
        LocalRedisServer server(LocalRedisServer::Options{true, {}, 0});
        STREAMSCOPE_START_REDIS(server);
        auto writer = connectTo(server.settings());
        addEntries(*writer, "events", 0, 200);

        TailController controller(server.settings(), fastOptions());
        Collector got(controller.tailer());
        controller.tailer()->addStream("events", "0");
        controller.start();
        QTRY_COMPARE(got.seqs("events").size(), 200);

        server.kill();
        QTRY_VERIFY(got.states.contains(TailState::Reconnecting));
        STREAMSCOPE_START_REDIS(server); // same port, same data directory (AOF fsync always)
        writer = connectTo(server.settings());
        addEntries(*writer, "events", 200, 150);
        QTRY_VERIFY_WITH_TIMEOUT(got.seqs("events").size() >= 350, 15000);
        addEntries(*writer, "events", 350, 50);
        QTRY_COMPARE_WITH_TIMEOUT(got.seqs("events").size(), 400, 15000);
        QCOMPARE(got.seqs("events"), range(0, 400));
        QTRY_VERIFY(got.stats.reconnects >= 1);
        QVERIFY(got.gaps.isEmpty());
    }

    // While the reader is locked out, the stream grows and is trimmed past its position: it
    // reports exactly how many entries it lost and carries on with the survivors.
    void reportsGapAfterTrim() {
        addEntries(*m_admin, "g", 0, 10);
        TailController controller(m_server.settings(), fastOptions());
        Collector got(controller.tailer());
        controller.tailer()->addStream("g", "0");
        controller.start();
        QTRY_COMPARE(got.seqs("g"), range(0, 10));

        // Lock it out: new connections need a password, and its connection is cut.
        run(*m_admin, {"CONFIG", "SET", "requirepass", "lockout"});
        run(*m_admin, {"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"});
        QTRY_VERIFY(got.states.contains(TailState::Reconnecting));
        addEntries(*m_admin, "g", 10, 20);            // seq 10..29
        run(*m_admin, {"XTRIM", "g", "MAXLEN", "5"}); // only 25..29 survive
        const RedisReply first = run(*m_admin, {"XRANGE", "g", "-", "+", "COUNT", "1"});
        run(*m_admin, {"CONFIG", "SET", "requirepass", ""});

        QTRY_COMPARE_WITH_TIMEOUT(got.gaps.size(), 1, 15000);
        const TailGap gap = got.gaps.first();
        QCOMPARE(gap.stream, QByteArray("g"));
        QCOMPARE(gap.lost, qint64(15)); // 10..24
        QVERIFY(gap.firstSurvivingId.has_value());
        QCOMPARE(gap.firstSurvivingId->toByteArray(), first.at(0).at(0).bytes());
        QCOMPARE(gap.lastSeenId, got.entries.at(9).id);
        QVERIFY(gap.describe().contains(QLatin1String("15 entries")));
        QTRY_COMPARE(got.seqs("g"), range(0, 10) + range(25, 5));
        QCOMPARE(got.gaps.size(), 1); // reported once
    }

    // Catching up, the next XREAD leaves before the reply before it is parsed (read-ahead):
    // every entry still comes once, in order, across page boundaries, while a writer on its own
    // connection adds entries meanwhile.
    void readAheadKeepsEveryEntryOnceInOrder() {
        addEntries(*m_admin, "big", 0, 20000);
        StreamTailer::Options o = fastOptions();
        o.count = 100;
        TailController controller(m_server.settings(), o);
        Collector got(controller.tailer());
        controller.tailer()->addStream("big", "0");
        std::atomic<bool> writerFailed{false};
        std::thread writer([&, settings = m_server.settings()] {
            RedisConnection c(settings);
            if (c.open()) {
                writerFailed = true;
                return;
            }
            for (int first = 20000; first < 30000; first += 250) {
                QList<Command> adds;
                for (int i = first; i < first + 250; ++i)
                    adds.append({"XADD", "big", "*", "seq", QByteArray::number(i)});
                if (!c.pipeline(adds).ok())
                    writerFailed = true;
            }
        });
        controller.start();
        writer.join();
        QVERIFY(!writerFailed);
        QTRY_COMPARE_WITH_TIMEOUT(got.entries.size(), 30000, 30000);
        QCOMPARE(got.seqs("big"), range(0, 30000));
        QTRY_VERIFY(got.stats.readsAhead > 0); // the read-ahead path was taken
        QVERIFY(got.gaps.isEmpty());
        QVERIFY(got.resets.isEmpty());
        QVERIFY(got.failures.isEmpty());
    }

    // Catching up, the reads grow while their pages come full and small: a few round trips
    // instead of one per COUNT, and every entry still comes once, in order, across the
    // changes of size. Given a fixed size (the CLI's --batch), they stay at it.
    void catchUpReadsGrowWhilePagesAreSmall() {
        addEntries(*m_admin, "grow", 0, 20000);
        StreamTailer::Options o = fastOptions();
        o.count = 100;
        auto drain = [&](const StreamTailer::Options &options) {
            const qint64 before = commandCalls(*m_admin, "xread");
            TailController controller(m_server.settings(), options);
            Collector got(controller.tailer());
            controller.tailer()->addStream("grow", "0");
            controller.start();
            [&] { QTRY_COMPARE_WITH_TIMEOUT(got.caughtUp, 1, 20000); }();
            [&] { QCOMPARE(got.seqs("grow"), range(0, 20000)); }();
            [&] { QVERIFY(got.gaps.isEmpty() && got.resets.isEmpty()); }();
            controller.stop();
            return commandCalls(*m_admin, "xread") - before;
        };
        // 100, 200, 400, ... 12800: 8 reads (a few more when a check interrupts the run).
        const qint64 grown = drain(o);
        if (QTest::currentTestFailed())
            return;
        QVERIFY2(grown <= 40, qPrintable(QString::number(grown)));
        o.catchUpCount = o.count;
        const qint64 fixed = drain(o);
        if (QTest::currentTestFailed())
            return;
        QVERIFY2(fixed >= 200, qPrintable(QString::number(fixed)));
    }

    // The entries get big while the reads have grown, and the server's
    // client-output-buffer-limit kills a grown read: the tail says so, goes back to the
    // configured size, grows at most to a quarter of what was killed, and delivers every
    // entry once, in order, with no gap.
    void grownReadKilledFallsBackToTheConfiguredSize() {
        LocalRedisServer server;
        STREAMSCOPE_START_REDIS(server);
        auto admin = connectTo(server.settings());
        addEntries(*admin, "mixed", 0, 5000); // small: the reads grow
        const QByteArray payload(4096, 'p');
        QList<Command> adds;
        for (int i = 5000; i < 6000; ++i)
            adds.append({"XADD", "mixed", "*", "seq", QByteArray::number(i), "payload", payload});
        QVERIFY(admin->pipeline(adds).ok());
        addEntries(*admin, "mixed", 6000, 5000);
        run(*admin, {"CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 1mb 0"});

        StreamTailer::Options o = fastOptions();
        o.count = 100; // 400 KB of the big entries: passes
        TailController controller(server.settings(), o);
        Collector got(controller.tailer());
        controller.tailer()->addStream("mixed", "0");
        controller.start();
        QTRY_COMPARE_WITH_TIMEOUT(got.caughtUp, 1, 20000);
        QCOMPARE(got.seqs("mixed"), range(0, 11000));
        QVERIFY(got.gaps.isEmpty());
        QVERIFY(got.resets.isEmpty());
        QVERIFY2(
            got.details.filter(QLatin1String("reading smaller batches (COUNT 100, was ")).size()
                >= 1,
            qPrintable(got.details.join(QLatin1String(" | "))));
        QVERIFY2(got.stats.reconnects <= 4, qPrintable(QString::number(got.stats.reconnects)));
    }

    // Big entries after small ones, a client max-reply below a grown read (and below the
    // configured COUNT of them): the reply is refused as too large, the tail says so, reads
    // smaller batches, and delivers every entry once, in order, with no gap.
    void readPastMaxReplyReadsSmaller() {
        addEntries(*m_admin, "huge", 0, 3000);
        const QByteArray payload(64 * 1024, 'p');
        QList<Command> adds;
        for (int i = 3000; i < 3300; ++i)
            adds.append({"XADD", "huge", "*", "seq", QByteArray::number(i), "payload", payload});
        QVERIFY(m_admin->pipeline(adds, 60000).ok());
        addEntries(*m_admin, "huge", 3300, 3000);
        ConnectionSettings settings = m_server.settings();
        settings.maxReplyBytes = 4 * 1024 * 1024; // 100 of the big entries are 6.4 MB
        StreamTailer::Options o = fastOptions();
        o.count = 100;
        TailController controller(settings, o);
        Collector got(controller.tailer());
        controller.tailer()->addStream("huge", "0");
        controller.start();
        QTRY_COMPARE_WITH_TIMEOUT(got.caughtUp, 1, 30000);
        QCOMPARE(got.seqs("huge"), range(0, 6300));
        QVERIFY(got.gaps.isEmpty());
        QVERIFY(got.resets.isEmpty());
        QVERIFY2(got.details
                         .filter(QLatin1String("larger than the 4 MiB limit; reading smaller "
                                               "batches (COUNT 25, was 100)"))
                         .size()
                     == 1,
                 qPrintable(got.details.join(QLatin1String(" | "))));
    }

    // A trim while the tail catches up with reads ahead: what was not trimmed comes once, in
    // order, and what was trimmed before it was read is counted exactly in a gap: the entries
    // received and the entries lost add up to all that were added.
    void readAheadThroughATrim() {
        constexpr int total = 100000;
        addEntries(*m_admin, "big", 0, total);
        StreamTailer::Options o = fastOptions();
        o.count = 100;
        TailController controller(m_server.settings(), o);
        Collector got(controller.tailer());
        QObject context;
        bool trimmed = false;
        connect(
            controller.tailer(), &StreamTailer::entriesReceived, &context,
            [&] { // after the collector's handler: the first entries are in
                if (!std::exchange(trimmed, true))
                    run(*m_admin, {"XTRIM", "big", "MAXLEN", "40000"});
            },
            Qt::QueuedConnection);
        controller.tailer()->addStream("big", "0");
        controller.start();
        auto lost = [&] {
            qint64 n = 0;
            for (const TailGap &gap : got.gaps)
                n += gap.lost;
            return n;
        };
        QTRY_COMPARE_WITH_TIMEOUT(got.entries.size() + lost(), qint64(total), 30000);
        for (const TailGap &gap : got.gaps)
            QCOMPARE(gap.kind, TailGap::Kind::Exact);
        const QList<int> seqs = got.seqs("big");
        for (qsizetype i = 1; i < seqs.size(); ++i)
            QVERIFY2(seqs[i - 1] < seqs[i], qPrintable(QStringLiteral("at %1").arg(i)));
        QCOMPARE(seqs.last(), total - 1);
        QVERIFY(seqs.size() >= 40000); // the survivors all came
        QVERIFY(got.stats.readsAhead > 0);
        qInfo("%lld received, %lld trimmed before they were read", qlonglong(seqs.size()),
              qlonglong(lost()));
    }

    void reportsGapWhenStartIdWasTrimmed() {
        addEntries(*m_admin, "t", 0, 10);
        const RedisReply all = run(*m_admin, {"XRANGE", "t", "-", "+"});
        run(*m_admin, {"XTRIM", "t", "MAXLEN", "3"});
        TailController controller(m_server.settings(), fastOptions());
        Collector got(controller.tailer());
        controller.tailer()->addStream("t", all.at(2).at(0).bytes()); // after seq 2
        controller.start();
        QTRY_COMPARE(got.seqs("t"), range(7, 3));
        QCOMPARE(got.gaps.size(), 1);
        QCOMPARE(got.gaps.first().firstSurvivingId->toByteArray(), all.at(7).at(0).bytes());
        QCOMPARE(got.gaps.first().lastSeenId.toByteArray(), all.at(2).at(0).bytes());
        QCOMPARE(got.gaps.first().lost, qint64(-1)); // the server cannot count these

        // A start ID that still exists is no gap.
        TailController ok(m_server.settings(), fastOptions());
        Collector fine(ok.tailer());
        ok.tailer()->addStream("t", all.at(8).at(0).bytes());
        ok.start();
        QTRY_COMPARE(fine.seqs("t"), range(9, 1));
        QVERIFY(fine.gaps.isEmpty());
    }

    void addAndRemoveStreamsWhileBlocked() {
        StreamTailer::Options options = fastOptions();
        options.blockMs = 60000; // a change must not wait for the BLOCK to end
        TailController controller(m_server.settings(), options);
        Collector got(controller.tailer());
        controller.tailer()->addStream("first", "$");
        controller.start();
        QTRY_COMPARE(got.caughtUp, 1);

        // From 0, so that the test does not race the tailer's resolution of "$".
        controller.tailer()->addStream("second", "0");
        addEntries(*m_admin, "second", 0, 3);
        QTRY_COMPARE_WITH_TIMEOUT(got.seqs("second"), range(0, 3), 10000);

        controller.tailer()->removeStream("first");
        // Removed once the tailer's own figures list "second" alone.
        QTRY_VERIFY_WITH_TIMEOUT(
            got.stats.streams.size() == 1 && got.stats.streams.first().stream == "second", 10000);
        addEntries(*m_admin, "first", 0, 2);
        addEntries(*m_admin, "second", 3, 1);
        QTRY_COMPARE_WITH_TIMEOUT(got.seqs("second"), range(0, 4), 10000);
        QVERIFY(got.seqs("first").isEmpty());
    }

    void stopIsPromptDuringALongBlock() {
        StreamTailer::Options options = fastOptions();
        options.blockMs = 120000;
        TailController controller(m_server.settings(), options);
        Collector got(controller.tailer());
        controller.tailer()->addStream("quiet", "$");
        controller.start();
        QTRY_COMPARE(got.caughtUp, 1);
        QTest::qWait(200); // now inside XREAD BLOCK 120000
        QElapsedTimer clock;
        clock.start();
        controller.stop();
        QVERIFY2(clock.elapsed() < 5000, "stop() waited out the BLOCK");
        QVERIFY(!controller.isRunning());
    }

    // Asked to stop when caught up (tail --exit-at-end), the reader ends by itself right after
    // caughtUp(), with every entry delivered: not after the blocking read that would follow.
    void stopsByItselfWhenCaughtUp() {
        addEntries(*m_admin, "ends", 0, 500);
        StreamTailer::Options options = fastOptions();
        options.blockMs = 120000;
        options.stopWhenCaughtUp = true;
        TailController controller(m_server.settings(), options);
        Collector got(controller.tailer());
        QSignalSpy finished(controller.tailer(), &StreamTailer::finished);
        controller.tailer()->addStream("ends", "0");
        controller.start();
        QTRY_COMPARE(got.caughtUp, 1);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 5000); // not after the 120 s BLOCK
        QCOMPARE(got.seqs("ends"), range(0, 500));
        QTRY_VERIFY(!controller.isRunning());
    }

    void wrongTypeStreamIsReportedOthersContinue() {
        run(*m_admin, {"SET", "not-a-stream", "x"});
        TailController controller(m_server.settings(), fastOptions());
        Collector got(controller.tailer());
        controller.tailer()->addStream("not-a-stream", "0");
        controller.tailer()->addStream("fine", "0");
        controller.start();
        QTRY_COMPARE(got.failures.size(), 1);
        QVERIFY(got.failures.first().contains(QLatin1String("WRONGTYPE")));
        addEntries(*m_admin, "fine", 0, 2);
        QTRY_COMPARE(got.seqs("fine"), range(0, 2));
    }

    void failsWithoutRetryWhenAskedTo() {
        ConnectionSettings s;
        s.port = LocalRedisServer::freePort();
        StreamTailer::Options options = fastOptions();
        options.retryInitialConnect = false;
        TailController controller(s, options);
        Collector got(controller.tailer());
        controller.tailer()->addStream("x", "$");
        controller.start();
        QTRY_VERIFY(got.states.contains(TailState::Failed));
    }

    void statsReportLag() {
        addEntries(*m_admin, "lag", 0, 40);
        TailController controller(m_server.settings(), fastOptions());
        Collector got(controller.tailer());
        controller.tailer()->addStream("lag", "0");
        controller.start();
        QTRY_COMPARE(got.seqs("lag").size(), 40);
        QTRY_VERIFY(!got.stats.streams.isEmpty() && got.stats.streams.first().atEnd);
        QTRY_COMPARE(got.stats.streams.first().lagEntries, qint64(0));
        QCOMPARE(got.stats.streams.first().received, qint64(40));
        QVERIFY(got.stats.bytes > 0);
        QVERIFY(got.stats.batches >= 1);
    }

    // FLUSHALL under a running tail, then new entries: some with IDs below the tail's position
    // (which a tail that trusts its position skips forever), some after it. All arrive once,
    // the reset is reported, and no gap is claimed.
    void flushAllIsAResetAndTheNewDataIsRead() {
        addEntries(*m_admin, "r", 0, 20);
        StreamTailer::Options options = fastOptions();
        options.checkIntervalMs = 60000; // XLEN shows it, without XINFO STREAM at rest
        options.lengthCheckIntervalMs = 300;
        TailController controller(m_server.settings(), options);
        Collector got(controller.tailer());
        controller.tailer()->addStream("r", "0");
        controller.start();
        QTRY_COMPARE(got.seqs("r"), range(0, 20));

        run(*m_admin, {"FLUSHALL"});
        for (int i = 0; i < 5; ++i)
            addAt(*m_admin, "r", QByteArray::number(i + 1) + "-1", 100 + i); // older IDs
        addEntries(*m_admin, "r", 105, 5);                                   // newer IDs
        QTRY_COMPARE_WITH_TIMEOUT(got.seqs("r").size(), 30, 10000);
        QCOMPARE(sorted(got.seqs("r")), range(0, 20) + range(100, 10));
        QCOMPARE(got.resets.size(), 1);
        QCOMPARE(got.resets.first().stream, QByteArray("r"));
        QVERIFY(!got.resets.first().serverRestarted);
        QVERIFY(got.resets.first().describe().contains(QLatin1String("reset or replaced")));
        QVERIFY2(got.gaps.isEmpty(), qPrintable(got.gaps.value(0).describe()));

        // Carries on from the new data: more entries come once, nothing twice.
        addEntries(*m_admin, "r", 110, 3);
        QTRY_COMPARE(got.seqs("r").size(), 33);
        QTest::qWait(4 * options.lengthCheckIntervalMs);
        QCOMPARE(sorted(got.seqs("r")), range(0, 20) + range(100, 13));
        QCOMPARE(got.resets.size(), 1);
        QVERIFY(got.gaps.isEmpty());
    }

    // FLUSHALL, then only entries after the tail's position: they arrive as they come, and the
    // reset shows in entries-added going back; reading the new data again repeats nothing.
    void flushAllWithNewerIdsRepeatsNothing() {
        addEntries(*m_admin, "n", 0, 50);
        StreamTailer::Options options = fastOptions();
        options.checkIntervalMs = 60000; // XLEN shows it, without XINFO STREAM at rest
        options.lengthCheckIntervalMs = 300;
        TailController controller(m_server.settings(), options);
        Collector got(controller.tailer());
        controller.tailer()->addStream("n", "0");
        controller.start();
        QTRY_COMPARE(got.seqs("n"), range(0, 50));
        run(*m_admin, {"FLUSHALL"});
        addEntries(*m_admin, "n", 50, 10);
        QTRY_COMPARE_WITH_TIMEOUT(got.resets.size(), 1, 10000);
        QVERIFY(got.resets.first().reason.contains(QLatin1String("entries ever added")));
        QTest::qWait(3 * options.lengthCheckIntervalMs);
        QCOMPARE(got.seqs("n"), range(0, 60));
        QVERIFY(got.gaps.isEmpty());
    }

    // The server restarts on the same port with another dataset (another directory): the tail
    // notices on reconnect (run_id changed, last ID went back) and reads the new data whole.
    void restartWithAnotherDatasetIsAReset() {
        LocalRedisServer other(LocalRedisServer::Options{true, {}, 0});
        STREAMSCOPE_START_REDIS(other);
        {
            auto writer = connectTo(other.settings());
            for (int i = 0; i < 30; ++i)
                addAt(*writer, "events", "1000-" + QByteArray::number(i + 1), 500 + i);
        }
        other.stop(); // its AOF stays in other.dir()

        LocalRedisServer server(LocalRedisServer::Options{true, {}, 0});
        STREAMSCOPE_START_REDIS(server);
        auto writer = connectTo(server.settings());
        addEntries(*writer, "events", 0, 200);
        TailController controller(server.settings(), fastOptions());
        Collector got(controller.tailer());
        controller.tailer()->addStream("events", "0");
        controller.start();
        QTRY_COMPARE(got.seqs("events").size(), 200);

        server.kill();
        QTRY_VERIFY(got.states.contains(TailState::Reconnecting));
        LocalRedisServer replaced(
            LocalRedisServer::Options{true, {QStringLiteral("--dir"), other.dir()}, server.port()});
        STREAMSCOPE_START_REDIS(replaced);
        QTRY_COMPARE_WITH_TIMEOUT(got.resets.size(), 1, 15000);
        QVERIFY(got.resets.first().serverRestarted);
        QVERIFY(got.resets.first().describe().contains(QLatin1String("run_id")));
        writer = connectTo(replaced.settings());
        addEntries(*writer, "events", 530, 5);
        QTRY_COMPARE_WITH_TIMEOUT(got.seqs("events").size(), 235, 15000);
        QCOMPARE(got.seqs("events"), range(0, 200) + range(500, 35));
        QVERIFY2(got.gaps.isEmpty(), qPrintable(got.gaps.value(0).describe()));
    }

    // The same, with a dataset written later (IDs after the tail's position, more entries
    // than it read): entries-added minus length shows these are not the entries it read.
    void restartWithANewerDatasetIsAReset() {
        LocalRedisServer server(LocalRedisServer::Options{true, {}, 0});
        STREAMSCOPE_START_REDIS(server);
        auto writer = connectTo(server.settings());
        addEntries(*writer, "events", 0, 200);
        TailController controller(server.settings(), fastOptions());
        Collector got(controller.tailer());
        controller.tailer()->addStream("events", "0");
        controller.start();
        QTRY_COMPARE(got.seqs("events").size(), 200);

        LocalRedisServer other(LocalRedisServer::Options{true, {}, 0});
        STREAMSCOPE_START_REDIS(other);
        addEntries(*connectTo(other.settings()), "events", 1000, 300);
        other.stop();
        server.kill();
        LocalRedisServer replaced(
            LocalRedisServer::Options{true, {QStringLiteral("--dir"), other.dir()}, server.port()});
        STREAMSCOPE_START_REDIS(replaced);
        QTRY_COMPARE_WITH_TIMEOUT(got.seqs("events").size(), 500, 15000);
        QCOMPARE(got.seqs("events"), range(0, 200) + range(1000, 300));
        QCOMPARE(got.resets.size(), 1);
        QVERIFY(got.resets.first().serverRestarted);
        QVERIFY(got.gaps.isEmpty());
    }

    // The same IDs, other data, more of it (last ID and entries-added both further on): the
    // entry the tail read last is looked at after the restart, and differs.
    void restartWithOverlappingDatasetIsAReset() {
        auto write = [](const ConnectionSettings &settings, int count, int firstSeq) {
            auto writer = connectTo(settings);
            QList<Command> adds;
            for (int i = 0; i < count; ++i)
                adds.append({"XADD", "events", "1000-" + QByteArray::number(i + 1), "seq",
                             QByteArray::number(firstSeq + i)});
            QVERIFY(writer->pipeline(adds).ok());
        };
        LocalRedisServer other(LocalRedisServer::Options{true, {}, 0});
        STREAMSCOPE_START_REDIS(other);
        write(other.settings(), 250, 1000);
        other.stop();

        LocalRedisServer server(LocalRedisServer::Options{true, {}, 0});
        STREAMSCOPE_START_REDIS(server);
        write(server.settings(), 200, 0);
        TailController controller(server.settings(), fastOptions());
        Collector got(controller.tailer());
        controller.tailer()->addStream("events", "0");
        controller.start();
        QTRY_COMPARE(got.seqs("events").size(), 200);

        server.kill();
        LocalRedisServer replaced(
            LocalRedisServer::Options{true, {QStringLiteral("--dir"), other.dir()}, server.port()});
        STREAMSCOPE_START_REDIS(replaced);
        QTRY_COMPARE_WITH_TIMEOUT(got.seqs("events").size(), 450, 15000);
        QCOMPARE(got.seqs("events"), range(0, 200) + range(1000, 250));
        QCOMPARE(got.resets.size(), 1);
        QVERIFY2(got.resets.first().reason.contains(QLatin1String("other data")),
                 qPrintable(got.resets.first().describe()));
        QVERIFY(got.gaps.isEmpty());
    }

    // Starting after an ID older than the first entry of a trimmed stream: whether entries
    // after that ID were trimmed, the server cannot tell. Said as possible, never as a loss.
    void startBeforeFirstEntryIsOnlyAPossibleGap() {
        addEntries(*m_admin, "p", 0, 10);
        const RedisReply all = run(*m_admin, {"XRANGE", "p", "-", "+"});
        run(*m_admin, {"XTRIM", "p", "MAXLEN", "5"}); // 0..4 gone
        TailController controller(m_server.settings(), fastOptions());
        Collector got(controller.tailer());
        controller.tailer()->addStream("p", all.at(4).at(0).bytes()); // the next one is first
        controller.start();
        QTRY_COMPARE(got.seqs("p"), range(5, 5));
        QCOMPARE(got.gaps.size(), 1);
        const TailGap gap = got.gaps.first();
        QCOMPARE(gap.kind, TailGap::Kind::Possible);
        QVERIFY(!gap.isProven());
        QVERIFY2(gap.describe().startsWith(QLatin1String("possibly a gap in p")),
                 qPrintable(gap.describe()));
        QVERIFY(!gap.describe().contains(QLatin1String("unknown number")));
    }

    // An XDEL between the start ID and the first survivor proves a loss (at least one).
    void deletedEntryAfterStartIsAProvenGap() {
        addEntries(*m_admin, "d", 0, 10);
        const RedisReply all = run(*m_admin, {"XRANGE", "d", "-", "+"});
        run(*m_admin, {"XDEL", "d", all.at(3).at(0).bytes()});
        run(*m_admin, {"XTRIM", "d", "MAXLEN", "5"}); // 0..4 gone, 3 by XDEL
        TailController controller(m_server.settings(), fastOptions());
        Collector got(controller.tailer());
        controller.tailer()->addStream("d", all.at(1).at(0).bytes());
        controller.start();
        QTRY_COMPARE(got.seqs("d"), range(5, 5));
        QCOMPARE(got.gaps.size(), 1);
        QCOMPARE(got.gaps.first().kind, TailGap::Kind::AtLeast);
        QCOMPARE(got.gaps.first().lost, qint64(1));
        QVERIFY(got.gaps.first().describe().contains(QLatin1String("at least 1 entry")));
    }

    // Two streams whose entries interleave unevenly: across every batch, entries leave in ID
    // (time) order, none missing.
    void mergesStreamsInTimeOrderAcrossBatches() {
        QList<Command> adds;
        for (int i = 0; i < 3000; ++i) {
            adds.append({"XADD", "dense", QByteArray::number(1000 + i) + "-0", "seq",
                         QByteArray::number(i)});
            adds.append({"XADD", "sparse", QByteArray::number(1000 + 2 * i) + "-1", "seq",
                         QByteArray::number(i)});
        }
        QVERIFY(m_admin->pipeline(adds).ok());
        TailController controller(m_server.settings(), fastOptions());
        Collector got(controller.tailer());
        controller.tailer()->addStream("dense", "0");
        controller.tailer()->addStream("sparse", "0");
        controller.start();
        QTRY_COMPARE(got.caughtUp, 1);
        QCOMPARE(got.seqs("dense"), range(0, 3000));
        QCOMPARE(got.seqs("sparse"), range(0, 3000));
        for (qsizetype i = 1; i < got.entries.size(); ++i)
            QVERIFY2(got.entries[i - 1].id <= got.entries[i].id,
                     qPrintable(
                         QStringLiteral("%1 before %2")
                             .arg(got.entries[i - 1].id.toString(), got.entries[i].id.toString())));
    }

    // At rest, no XINFO STREAM: only the blocking XREAD.
    void atRestOnlyXreadIsSent() {
        addEntries(*m_admin, "rest", 0, 1);
        StreamTailer::Options options = fastOptions();
        options.statsIntervalMs = 100;
        TailController controller(m_server.settings(), options);
        Collector got(controller.tailer());
        controller.tailer()->addStream("rest", "$");
        controller.start();
        QTRY_COMPARE(got.caughtUp, 1);
        QTest::qWait(300);
        const qint64 xinfoBefore = commandCalls(*m_admin, "xinfo|stream");
        const qint64 xreadBefore = commandCalls(*m_admin, "xread");
        QTest::qWait(2000);
        QCOMPARE(commandCalls(*m_admin, "xinfo|stream") - xinfoBefore, qint64(0));
        QVERIFY(commandCalls(*m_admin, "xread") - xreadBefore <= 5); // BLOCK 500
    }

    // The server's client-output-buffer-limit kills the connection under every big reply:
    // the tail backs off, says why, reads smaller batches and still delivers every entry.
    void smallerBatchesWhenRepliesGetUsKilled() {
        LocalRedisServer server;
        STREAMSCOPE_START_REDIS(server);
        auto admin = connectTo(server.settings());
        const QByteArray payload(60 * 1024, 'p');
        QList<Command> adds;
        for (int i = 0; i < 120; ++i)
            adds.append({"XADD", "big", "*", "seq", QByteArray::number(i), "payload", payload});
        QVERIFY(admin->pipeline(adds).ok());
        run(*admin, {"CONFIG", "SET", "client-output-buffer-limit", "normal 200kb 100kb 1"});

        StreamTailer::Options options; // COUNT 1000: 60 MB replies
        options.blockMs = 500;
        options.growCountAfterMs = 2000;
        TailController controller(server.settings(), options);
        Collector got(controller.tailer());
        controller.tailer()->addStream("big", "0");
        controller.start();
        QTRY_COMPARE_WITH_TIMEOUT(got.seqs("big").size(), 120, 20000);
        QCOMPARE(got.seqs("big"), range(0, 120));
        QVERIFY2(got.smallestCount <= 3, qPrintable(QString::number(got.smallestCount)));
        QVERIFY2(got.stats.reconnects <= 6, qPrintable(QString::number(got.stats.reconnects)));
        QVERIFY(got.details.filter(QLatin1String("client-output-buffer-limit")).size() >= 1);
        QVERIFY(got.details.filter(QLatin1String("reading smaller batches")).size() >= 1);
        QVERIFY(got.gaps.isEmpty());

        // Without the limit, COUNT grows back.
        run(*admin, {"CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0"});
        QTRY_COMPARE_WITH_TIMEOUT(got.stats.count, 1000, 20000);
    }

    // CLIENT KILL in a loop: the tail backs off instead of reconnecting thousands of times.
    void backsOffWhenKilledRightAfterConnecting() {
        addEntries(*m_admin, "k", 0, 3);
        TailController controller(m_server.settings(), fastOptions());
        Collector got(controller.tailer());
        controller.tailer()->addStream("k", "0");
        controller.start();
        QTRY_COMPARE(got.seqs("k"), range(0, 3));
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < 3000) {
            run(*m_admin, {"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"});
            QTest::qWait(5);
        }
        QTRY_VERIFY(got.stats.reconnects >= 1);
        QVERIFY2(got.stats.reconnects <= 12, qPrintable(QString::number(got.stats.reconnects)));
        QVERIFY(got.details.filter(QLatin1String("the server closed the connection")).size() >= 1);
        addEntries(*m_admin, "k", 3, 2);
        QTRY_COMPARE_WITH_TIMEOUT(got.seqs("k"), range(0, 5), 15000);
    }

private:
    LocalRedisServer m_server;
    std::unique_ptr<RedisConnection> m_admin;
};

QTEST_GUILESS_MAIN(TestStreamTailer)
#include "tst_streamtailer.moc"
