// Replay: a capture made here (XADD with explicit IDs spread over 10 s of ID time, exported and
// tailed with the real streamscope-cli) replayed with the real CLI into a real redis-server:
// pacing at 10x (duration and relative spacing of the new IDs), fields byte-exact, --to and
// --map, refusing a non-empty target without --append, --since/--until, read-only, a malformed
// capture refused by line number with nothing sent, SIGTSTP/SIGCONT pausing without a burst,
// SIGINT cancelling with a summary, and the dialog offscreen.
#include "CliProcess.h"
#include "LocalRedisCluster.h"
#include "Replay.h"
#include "ReplayDialog.h"
#include "StreamId.h"
#include "TestCluster.h"
#include "TestRedis.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QElapsedTimer>
#include <QFile>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <csignal>

using namespace streamscope;
using namespace streamscope::test;

namespace {

// The capture's original IDs start here (2025-11-26 09:46:40 UTC).
constexpr quint64 baseMs = 1764150400000;

// Entry i of the big capture: 20 bursts of 50 entries, a burst every 500 ms, its entries 2 ms
// apart: 1,000 entries over 9.6 s of ID time.
quint64 burstOffsetMs(int i) {
    return quint64(i / 50) * 500 + quint64(i % 50) * 2;
}

// A value of every byte, different per entry.
QByteArray binaryValue(int i) {
    QByteArray b;
    for (int k = 0; k < 48; ++k)
        b += char((i * 7 + k * 13) & 0xff);
    b += '\0';
    b += "\xff\xfe";
    return b;
}

QList<QByteArray> fieldsOf(int i) {
    return {"seq", QByteArray::number(i), "blob", binaryValue(i), "\xff\x01name", "v\n\"q\""};
}

struct Entry {
    StreamId id;
    QList<QByteArray> fields;
};

QList<Entry> entriesOf(RedisConnection &c, const QByteArray &stream) {
    const RedisReply all = run(c, {"XRANGE", stream, "-", "+"});
    QList<Entry> out;
    for (size_t i = 0; i < all.size(); ++i) {
        Entry e{StreamId::fromServer(all.at(i).at(0).bytes()), {}};
        const RedisReply &fields = all.at(i).at(1);
        for (size_t k = 0; k < fields.size(); ++k)
            e.fields << fields.at(k).bytes();
        out << e;
    }
    return out;
}

int lengthOf(RedisConnection &c, const QByteArray &stream) {
    return int(run(c, {"XLEN", stream}).integer());
}

QJsonObject jsonOf(const QByteArray &out) {
    return QJsonDocument::fromJson(out).object();
}

double percentile(QList<double> values, double p) {
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    return values.at(qMin(values.size() - 1, qsizetype(p * double(values.size() - 1) + 0.5)));
}

} // namespace

class TestReplay : public QObject {
    Q_OBJECT
private:
    QStringList withUrl(const QStringList &args) const {
        return QStringList{QStringLiteral("-u"), m_server.url()} + args;
    }
    CliRun cli(const QStringList &args) { return runCli(withUrl(args)); }
    QString path(const QString &name) const { return m_dir.filePath(name); }
    void writeFile(const QString &name, const QByteArray &bytes) {
        QFile f(path(name));
        QVERIFY(f.open(QIODevice::WriteOnly));
        QCOMPARE(f.write(bytes), bytes.size());
    }
    // Streams made here, with explicit IDs: cap (1,000 entries, bursts over 9.6 s), two-a and
    // two-b (interleaved, 10 ms apart) and even (200 entries 20 ms apart: 4 s).
    void makeStreams() {
        QList<Command> commands;
        for (int i = 0; i < 1000; ++i) {
            Command xadd{"XADD", "cap",
                         StreamId{baseMs + burstOffsetMs(i), quint64(i % 50)}.toByteArray()};
            xadd += fieldsOf(i);
            commands << xadd;
        }
        for (int i = 0; i < 40; ++i)
            commands << Command{"XADD", i % 2 ? "two-b" : "two-a",
                                StreamId{baseMs + quint64(i) * 10, 0}.toByteArray(), "n",
                                QByteArray::number(i)};
        for (int i = 0; i < 200; ++i)
            commands << Command{"XADD", "even", StreamId{baseMs + quint64(i) * 20, 0}.toByteArray(),
                                "n", QByteArray::number(i)};
        auto replies = m_c->pipeline(commands);
        QVERIFY(replies.ok());
        for (const RedisReply &r : replies.value())
            QVERIFY2(!r.isError(), qPrintable(r.errorMessage()));
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY2(QFile::exists(executablePath()), "streamscope-cli is not built");
        QVERIFY(m_dir.isValid());
        STREAMSCOPE_START_REDIS(m_server);
        m_c = connectTo(m_server.settings());
        makeStreams();
        // The captures, made by the real CLI: export of one stream, tail of two.
        CliRun r = cli({"export", "cap", "--output", path("cap.jsonl")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = cli({"export", "even", "--output", path("even.jsonl")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = cli({"tail", "two-a", "two-b", "--from", "0", "--exit-at-end", "--format", "jsonl"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.out.count('\n'), 40);
        writeFile(QStringLiteral("two.jsonl"), r.out);
        m_original = entriesOf(*m_c, "cap");
        QCOMPARE(m_original.size(), qsizetype(1000));
    }

    void help() {
        const CliRun r = runCli({"replay", "--help"});
        QCOMPARE(r.exitCode, 0);
        for (const char *word : {"--to", "--map", "--speed", "--since", "--until", "--append",
                                 "SIGTSTP", "Exit codes", "Example"})
            QVERIFY2(r.out.contains(word), word);
    }

    // 1,000 entries over ~10 s of ID time at 10x: about 1 s, the spacing kept, bytes exact.
    void pacedAt10x() {
        QElapsedTimer wall;
        wall.start();
        const CliRun r =
            cli({"replay", path("cap.jsonl"), "--to", "paced", "--speed", "10x", "--json"});
        const qint64 wallMs = wall.elapsed();
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject summary = jsonOf(r.out);
        const qint64 durationMs = summary.value("duration_ms").toInteger();
        qInfo("replay of 1,000 entries over %.1f s of ID time at 10x: %lld ms (process %lld ms), "
              "at most %lld ms behind schedule",
              double(burstOffsetMs(999)) / 1000.0, durationMs, wallMs,
              summary.value("max_behind_ms").toInteger());
        QCOMPARE(summary.value("sent").toInt(), 1000);
        QCOMPARE(summary.value("speed").toString(), QStringLiteral("10x"));
        QVERIFY2(durationMs >= 800 && durationMs <= 3000, qPrintable(QString::number(durationMs)));
        QVERIFY2(wallMs >= 800 && wallMs <= 4000, qPrintable(QString::number(wallMs)));

        const QList<Entry> replayed = entriesOf(*m_c, "paced");
        QCOMPARE(replayed.size(), qsizetype(1000));
        const QJsonObject stream = summary.value("streams").toArray().at(0).toObject();
        QCOMPARE(stream.value("first_id").toString(), replayed.first().id.toString());
        QCOMPARE(stream.value("last_id").toString(), replayed.last().id.toString());
        // Byte-exact, binary values and names included.
        for (int i = 0; i < 1000; ++i)
            QCOMPARE(replayed.at(i).fields, m_original.at(i).fields);

        // The spacing: each new ID's offset from the first against the original's / 10, and
        // each gap against the original gap / 10. New IDs have whole milliseconds.
        QList<double> offsetErrors, gapErrors;
        const quint64 new0 = replayed.first().id.ms;
        const quint64 old0 = m_original.first().id.ms;
        for (int i = 1; i < 1000; ++i) {
            const double expected = double(m_original.at(i).id.ms - old0) / 10.0;
            offsetErrors << qAbs(double(replayed.at(i).id.ms - new0) - expected);
            const double expectedGap =
                double(m_original.at(i).id.ms - m_original.at(i - 1).id.ms) / 10.0;
            gapErrors << qAbs(double(replayed.at(i).id.ms - replayed.at(i - 1).id.ms)
                              - expectedGap);
        }
        // The bursts stay bursts: each burst's 50 entries within ~10 ms, 40 ms apart.
        QList<double> burstSpans, burstGaps;
        for (int b = 0; b < 20; ++b) {
            burstSpans << double(replayed.at(b * 50 + 49).id.ms - replayed.at(b * 50).id.ms);
            if (b > 0)
                burstGaps << double(replayed.at(b * 50).id.ms - replayed.at(b * 50 - 1).id.ms);
        }
        const double medianOffset = percentile(offsetErrors, 0.5);
        const double p95Offset = percentile(offsetErrors, 0.95);
        const double medianGap = percentile(gapErrors, 0.5);
        const double p95Gap = percentile(gapErrors, 0.95);
        qInfo("spacing: offset error median %.1f ms, p95 %.1f ms, max %.1f ms; gap error median "
              "%.1f ms, p95 %.1f ms; burst span median %.0f ms (0.1 x 98 ms = 9.8), gap between "
              "bursts median %.0f ms (0.1 x 402 ms = 40.2)",
              medianOffset, p95Offset, percentile(offsetErrors, 1.0), medianGap, p95Gap,
              percentile(burstSpans, 0.5), percentile(burstGaps, 0.5));
        QVERIFY2(medianOffset <= 5, qPrintable(QString::number(medianOffset)));
        QVERIFY2(p95Offset <= 60, qPrintable(QString::number(p95Offset)));
        QVERIFY2(medianGap <= 1.5, qPrintable(QString::number(medianGap)));
        QVERIFY2(p95Gap <= 15, qPrintable(QString::number(p95Gap)));
        QVERIFY2(percentile(burstSpans, 0.5) >= 7 && percentile(burstSpans, 0.5) <= 14,
                 qPrintable(QString::number(percentile(burstSpans, 0.5))));
        QVERIFY2(percentile(burstGaps, 0.5) >= 34 && percentile(burstGaps, 0.5) <= 47,
                 qPrintable(QString::number(percentile(burstGaps, 0.5))));
    }

    // --map sends the named streams elsewhere; the others keep their names, and a target that
    // holds entries is refused (named, with its length) unless --append; --to sends all to one.
    void mapToAndAppend() {
        const int bBefore = lengthOf(*m_c, "two-b");
        CliRun r = cli({"replay", path("two.jsonl"), "--map", "two-a=m-a", "--speed", "max"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("two-b already holds 20 entries"), r.err.constData());
        QVERIFY2(r.err.contains("--append"), r.err.constData());
        QCOMPARE(lengthOf(*m_c, "m-a"), 0); // nothing was sent, to any stream
        QCOMPARE(lengthOf(*m_c, "two-b"), bBefore);

        r = cli({"replay", path("two.jsonl"), "--map", "two-a=m-a", "--speed", "max", "--append",
                 "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(lengthOf(*m_c, "m-a"), 20);
        QCOMPARE(lengthOf(*m_c, "two-b"), bBefore + 20);
        const QList<Entry> a = entriesOf(*m_c, "m-a");
        for (int i = 0; i < 20; ++i)
            QCOMPARE(a.at(i).fields, (QList<QByteArray>{"n", QByteArray::number(2 * i)}));
        const QJsonArray streams = jsonOf(r.out).value("streams").toArray();
        QCOMPARE(streams.size(), 2);
        QCOMPARE(streams.at(0).toObject().value("to").toString(), QStringLiteral("m-a"));
        QCOMPARE(streams.at(1).toObject().value("to").toString(), QStringLiteral("two-b"));
        QCOMPARE(streams.at(1).toObject().value("sent").toInt(), 20);

        // Two --map, both new; then --to: all in one stream, in the capture's order.
        r = cli({"replay", path("two.jsonl"), "--map", "two-a=n-a", "--map", "two-b=n-b", "--speed",
                 "max"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(lengthOf(*m_c, "n-a"), 20);
        QCOMPARE(lengthOf(*m_c, "n-b"), 20);
        r = cli({"replay", path("two.jsonl"), "--to", "all", "--speed", "max"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QList<Entry> all = entriesOf(*m_c, "all");
        QCOMPARE(all.size(), qsizetype(40));
        for (int i = 0; i < 40; ++i)
            QCOMPARE(all.at(i).fields.at(1), QByteArray::number(i));
        // The same again into "all", which now holds entries: refused, then appended.
        r = cli({"replay", path("two.jsonl"), "--to", "all", "--speed", "max"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("all already holds 40 entries"), r.err.constData());
        QCOMPARE(lengthOf(*m_c, "all"), 40);

        // Usage errors: --to with --map, a --map of a stream the capture lacks, a bad --speed.
        r = cli({"replay", path("two.jsonl"), "--to", "x", "--map", "two-a=y"});
        QCOMPARE(r.exitCode, 2);
        r = cli({"replay", path("two.jsonl"), "--map", "nope=y"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("no entries of nope"), r.err.constData());
        r = cli({"replay", path("two.jsonl"), "--to", "x", "--speed", "fast"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--speed"), r.err.constData());
        QCOMPARE(lengthOf(*m_c, "x"), 0);
        QCOMPARE(lengthOf(*m_c, "y"), 0);
    }

    // Only entries within --since/--until (IDs, and moments as export reads them).
    void sinceUntil() {
        // IDs: burst 2 (entries 100..149) and 3 (150..199).
        const QString since = StreamId{baseMs + 1000, 0}.toString();
        const QString until = StreamId{baseMs + 1500 + 98, 49}.toString();
        CliRun r = cli({"replay", path("cap.jsonl"), "--to", "window", "--since", since, "--until",
                        until, "--speed", "max", "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(jsonOf(r.out).value("sent").toInt(), 100);
        const QList<Entry> window = entriesOf(*m_c, "window");
        QCOMPARE(window.size(), qsizetype(100));
        QCOMPARE(window.first().fields.at(1), QByteArray("100"));
        QCOMPARE(window.last().fields.at(1), QByteArray("199"));

        // Moments (local time, as typed): "--until HH:mm:ss.zzz" includes that millisecond.
        const auto local = [](quint64 ms) {
            return QDateTime::fromMSecsSinceEpoch(qint64(ms))
                .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
        };
        r = cli({"replay", path("cap.jsonl"), "--to", "moments", "--since", local(baseMs + 9000),
                 "--until", local(baseMs + 9000 + 20), "--speed", "max", "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(jsonOf(r.out).value("sent").toInt(), 11); // burst 18's first 11 entries
        QCOMPARE(entriesOf(*m_c, "moments").first().fields.at(1), QByteArray("900"));

        // Nothing in range: refused, nothing sent.
        r = cli({"replay", path("cap.jsonl"), "--to", "none", "--since", "1-0", "--until", "2-0"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("nothing was sent"), r.err.constData());
        QCOMPARE(lengthOf(*m_c, "none"), 0);
        r = cli({"replay", path("cap.jsonl"), "--to", "none", "--since", "tomorrow"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--since"), r.err.constData());
    }

    void parsing() {
        QCOMPARE(parseReplaySpeed(QStringLiteral("10x")).value(), 10.0);
        QCOMPARE(parseReplaySpeed(QStringLiteral("2.5x")).value(), 2.5);
        QCOMPARE(parseReplaySpeed(QStringLiteral("0.5")).value(), 0.5);
        QCOMPARE(parseReplaySpeed(QStringLiteral("MAX")).value(), 0.0);
        for (const char *bad : {"0x", "-1x", "fast", "x", "", "infx"})
            QVERIFY2(!parseReplaySpeed(QString::fromLatin1(bad)).ok(), bad);
        QCOMPARE(describeSpeed(2.5), QStringLiteral("2.5x"));
        QCOMPARE(describeSpeed(0), QStringLiteral("max"));
        const auto mapping = parseReplayMapping(QStringLiteral("a=b=c"));
        QVERIFY(mapping.ok());
        QCOMPARE(mapping->first, QByteArray("a=b"));
        QCOMPARE(mapping->second, QByteArray("c"));
        QVERIFY(!parseReplayMapping(QStringLiteral("a=")).ok());
        QVERIFY(!parseReplayMapping(QStringLiteral("=b")).ok());
        QVERIFY(!parseReplayMapping(QStringLiteral("ab")).ok());
        ReplayOptions options;
        options.map = {{"a", "x"}};
        QCOMPARE(options.targetOf("a"), QByteArray("x"));
        QCOMPARE(options.targetOf("b"), QByteArray("b"));
        options.to = "all";
        QCOMPARE(options.targetOf("b"), QByteArray("all"));
    }

    // Two captures joined: the second's entries are earlier than the first's last. They are
    // counted, warned about, and sent as soon as their turn comes (the file's order is kept).
    void joinedCaptures() {
        QFile even(path("even.jsonl")), two(path("two.jsonl"));
        QVERIFY(even.open(QIODevice::ReadOnly) && two.open(QIODevice::ReadOnly));
        writeFile(QStringLiteral("joined.jsonl"), even.readAll() + two.readAll());
        QFile joined(path("joined.jsonl"));
        QVERIFY(joined.open(QIODevice::ReadOnly));
        const auto capture = checkCapture(&joined, ReplayOptions{});
        QVERIFY(capture.ok());
        QCOMPARE(capture->entries, qint64(240));
        QCOMPARE(capture->streams.size(), qsizetype(3));
        QCOMPARE(capture->outOfOrder, qint64(40));
        QCOMPARE(capture->durationMsAt(10), qint64(398)); // (199 x 20 ms) / 10
        const CliRun r = cli({"replay", path("joined.jsonl"), "--map", "even=j-even", "--map",
                              "two-a=j-a", "--map", "two-b=j-b", "--speed", "10x"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.err.contains("40 entries are earlier than an entry before them"),
                 r.err.constData());
        QCOMPARE(lengthOf(*m_c, "j-even"), 200);
        QCOMPARE(lengthOf(*m_c, "j-a"), 20);
        QCOMPARE(lengthOf(*m_c, "j-b"), 20);
        // After the last of even, in the file's order (each stream numbers its own IDs: the
        // same millisecond at most).
        QVERIFY(entriesOf(*m_c, "j-even").last().id.ms <= entriesOf(*m_c, "j-a").first().id.ms);
    }

    void readOnlyRefused() {
        const CliRun r = cli({"--read-only", "replay", path("two.jsonl"), "--to", "ro"});
        QCOMPARE(r.exitCode, 5);
        QVERIFY2(r.err.contains("read-only"), r.err.constData());
        QCOMPARE(lengthOf(*m_c, "ro"), 0);
    }

    // ACL users made by acl-rule: a monitor is refused before anything is sent with what to add
    // (not at the first entry); the repair user replays (its rule has +type for the checks).
    void aclUsers() {
        for (const bool repair : {false, true}) {
            QStringList args{"acl-rule",       "--user", repair ? "rep" : "mon",
                             "--new-password", "pw",     "acl-*"};
            if (repair)
                args << QStringLiteral("--repair");
            Command rule;
            for (const QByteArray &word : runCli(args).out.trimmed().split(' '))
                rule << word;
            auto made = m_c->command(rule);
            QVERIFY(made.ok() && made->isStatus());
        }
        const QStringList replay{"replay",     path("two.jsonl"), "--to",
                                 "acl-target", "--speed",         "max"};
        const CliRun monitor =
            cli(QStringList{"--user", "mon", "-a", "pw", "--no-auth-warning"} + replay);
        QCOMPARE(monitor.exitCode, 4);
        QVERIFY2(monitor.err.contains("the user 'mon' may not replay into these streams: it may "
                                      "not run +xadd. Add +xadd (ACL SETUSER mon +xadd)")
                     && monitor.err.contains("nothing was sent"),
                 monitor.err.constData());
        QVERIFY2(!monitor.err.contains("stopped: sent"), monitor.err.constData());
        QCOMPARE(lengthOf(*m_c, "acl-target"), 0);
        const CliRun repairUser =
            cli(QStringList{"--user", "rep", "-a", "pw", "--no-auth-warning"} + replay);
        QVERIFY2(repairUser.exitCode == 0, repairUser.err.constData());
        QCOMPARE(lengthOf(*m_c, "acl-target"), 40);
        const CliRun outside = cli(QStringList{"--user", "rep", "-a", "pw", "--no-auth-warning",
                                               "replay", path("two.jsonl"), "--to", "elsewhere"});
        QCOMPARE(outside.exitCode, 4);
        QVERIFY2(outside.err.contains("its key patterns do not cover elsewhere"),
                 outside.err.constData());
    }

    // A malformed line anywhere: refused with its number, nothing sent (even from earlier lines).
    void malformedCapture() {
        QFile good(path("two.jsonl"));
        QVERIFY(good.open(QIODevice::ReadOnly));
        QList<QByteArray> lines = good.readAll().split('\n');
        lines[2] = R"({"stream":"two-a","id":"1-0","fields":{"a":)"; // line 3: cut short
        writeFile(QStringLiteral("bad.jsonl"), lines.join('\n'));
        CliRun r = cli({"replay", path("bad.jsonl"), "--to", "bad", "--speed", "max"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("line 3:"), r.err.constData());
        QVERIFY2(r.err.contains("nothing was sent"), r.err.constData());
        QCOMPARE(lengthOf(*m_c, "bad"), 0);

        QVERIFY(good.seek(0));
        lines = good.readAll().split('\n');
        lines[39] = R"({"id":"5-0","fields":{"a":"1"}})"; // line 40: no stream
        writeFile(QStringLiteral("nostream.jsonl"), lines.join('\n'));
        r = cli({"replay", path("nostream.jsonl"), "--speed", "max", "--map", "two-a=ns-a", "--map",
                 "two-b=ns-b"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("line 40:") && r.err.contains("--to"), r.err.constData());
        QCOMPARE(lengthOf(*m_c, "ns-a"), 0);
        r = cli({"replay", path("missing.jsonl"), "--to", "z"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("cannot read"), r.err.constData());
    }

    // SIGTSTP pauses (the process stops), SIGCONT resumes: the total time grows by the pause and
    // the entries after it keep the schedule (no burst of what fell due while paused).
    void pauseAndResume() {
        QProcess p;
        p.setProgram(executablePath());
        p.setArguments(
            withUrl({"replay", path("even.jsonl"), "--to", "paused", "--speed", "2x", "--json"}));
        QElapsedTimer wall;
        p.start();
        QVERIFY(p.waitForStarted());
        wall.start();
        // Wait until it is sending (about 40 of 200 entries: 0.8 s of its 2 s).
        QElapsedTimer waiting;
        waiting.start();
        while (lengthOf(*m_c, "paused") < 40 && waiting.elapsed() < 10000)
            QTest::qWait(5);
        QVERIFY(lengthOf(*m_c, "paused") >= 40);
        QCOMPARE(::kill(pid_t(p.processId()), SIGTSTP), 0);
        QTest::qWait(100);
        QFile stat(QStringLiteral("/proc/%1/stat").arg(p.processId()));
        QByteArray state;
        if (stat.open(QIODevice::ReadOnly))
            state = stat.readAll().split(')').value(1).trimmed().left(1);
        const int atPause = lengthOf(*m_c, "paused");
        QTest::qWait(900);
        const int duringPause = lengthOf(*m_c, "paused");
        qInfo("paused at %d of 200 entries, process state %s (T: stopped)", atPause,
              state.constData());
        QCOMPARE(duringPause, atPause); // nothing sent while paused
        QCOMPARE(::kill(pid_t(p.processId()), SIGCONT), 0);
        QVERIFY(p.waitForFinished(20000));
        const qint64 wallMs = wall.elapsed();
        const QByteArray err = p.readAllStandardError();
        QVERIFY2(p.exitCode() == 0, err.constData());
        QVERIFY2(err.contains("paused") && err.contains("resumed"), err.constData());
        const QJsonObject summary = jsonOf(p.readAllStandardOutput());
        const qint64 pausedMs = summary.value("paused_ms").toInteger();
        const qint64 durationMs = summary.value("duration_ms").toInteger();
        qInfo("2 s of replay paused for ~1 s: duration %lld ms (process %lld ms), paused %lld ms",
              durationMs, wallMs, pausedMs);
        QVERIFY2(pausedMs >= 900 && pausedMs <= 1800, qPrintable(QString::number(pausedMs)));
        // Never behind schedule by the pause (what fell due during it was not owed afterwards).
        QVERIFY2(summary.value("max_behind_ms").toInteger() < 300,
                 qPrintable(QString::number(summary.value("max_behind_ms").toInteger())));
        QVERIFY2(durationMs >= 1900 + pausedMs - 100 && durationMs <= 2000 + pausedMs + 1500,
                 qPrintable(QString::number(durationMs)));

        const QList<Entry> replayed = entriesOf(*m_c, "paused");
        QCOMPARE(replayed.size(), qsizetype(200));
        // The pause is one gap; the entries after it are on the schedule moved by the pause.
        // (Without the move, the ~100 entries that fell due during the pause would leave in one
        // pipeline, in one or two milliseconds. The bounds leave room for a loaded machine.)
        int pauseAt = 1;
        for (int i = 1; i < 200; ++i)
            if (replayed.at(i).id.ms - replayed.at(i - 1).id.ms
                > replayed.at(pauseAt).id.ms - replayed.at(pauseAt - 1).id.ms)
                pauseAt = i;
        const qint64 gap = qint64(replayed.at(pauseAt).id.ms - replayed.at(pauseAt - 1).id.ms);
        QVERIFY2(gap >= 800, qPrintable(QString::number(gap)));
        const quint64 new0 = replayed.first().id.ms;
        QList<double> errorsAfter;
        int burst = 0; // entries of one millisecond after the resume
        QHash<quint64, int> perMs;
        for (int i = pauseAt; i < 200; ++i) {
            const double expected = double(i) * 20.0 / 2.0 + double(pausedMs);
            errorsAfter << qAbs(double(replayed.at(i).id.ms - new0) - expected);
            burst = qMax(burst, ++perMs[replayed.at(i).id.ms]);
        }
        qInfo("after the resume (%lld entries): offset error median %.1f ms, max %.1f ms; at most "
              "%d entries in one millisecond (the schedule has one per 10 ms)",
              qlonglong(200 - pauseAt), percentile(errorsAfter, 0.5), percentile(errorsAfter, 1.0),
              burst);
        QVERIFY2(percentile(errorsAfter, 0.5) <= 60,
                 qPrintable(QString::number(percentile(errorsAfter, 0.5))));
        QVERIFY2(burst <= 8, qPrintable(QString::number(burst)));
        // The first 10 entries after the resume take ~90 ms, as scheduled, not one burst.
        const qint64 firstTen =
            qint64(replayed.at(qMin(pauseAt + 9, 199)).id.ms - replayed.at(pauseAt).id.ms);
        QVERIFY2(pauseAt + 9 > 199 || firstTen >= 40, qPrintable(QString::number(firstTen)));
    }

    // kill -STOP cannot be caught: the pause is counted from the last moment the replay ran,
    // and the schedule moves by it all the same (nothing is sent behind schedule afterwards).
    void stopAndContinue() {
        QProcess p;
        p.setProgram(executablePath());
        p.setArguments(
            withUrl({"replay", path("even.jsonl"), "--to", "stopped", "--speed", "2x", "--json"}));
        p.start();
        QVERIFY(p.waitForStarted());
        QElapsedTimer waiting;
        waiting.start();
        while (lengthOf(*m_c, "stopped") < 40 && waiting.elapsed() < 10000)
            QTest::qWait(5);
        QCOMPARE(::kill(pid_t(p.processId()), SIGSTOP), 0);
        QTest::qWait(1000);
        QCOMPARE(::kill(pid_t(p.processId()), SIGCONT), 0);
        QVERIFY(p.waitForFinished(20000));
        const QByteArray err = p.readAllStandardError();
        QVERIFY2(p.exitCode() == 0, err.constData());
        const QJsonObject summary = jsonOf(p.readAllStandardOutput());
        const qint64 pausedMs = summary.value("paused_ms").toInteger();
        const qint64 behindMs = summary.value("max_behind_ms").toInteger();
        qInfo("SIGSTOP for ~1 s: paused %lld ms, at most %lld ms behind schedule", pausedMs,
              behindMs);
        QVERIFY2(pausedMs >= 900 && pausedMs <= 1800, qPrintable(QString::number(pausedMs)));
        QVERIFY2(behindMs < 300, qPrintable(QString::number(behindMs))); // not the ~1 s stop
        QCOMPARE(lengthOf(*m_c, "stopped"), 200);
    }

    // SIGINT stops after the pipeline in flight and says what was sent (exit 130).
    void cancelWithSigint() {
        QProcess p;
        p.setProgram(executablePath());
        p.setArguments(withUrl({"replay", path("even.jsonl"), "--to", "cancelled", "--json"}));
        p.start();
        QVERIFY(p.waitForStarted());
        QElapsedTimer waiting;
        waiting.start();
        while (lengthOf(*m_c, "cancelled") < 5 && waiting.elapsed() < 10000)
            QTest::qWait(5);
        QCOMPARE(::kill(pid_t(p.processId()), SIGINT), 0);
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitCode(), 130);
        const QJsonObject summary = jsonOf(p.readAllStandardOutput());
        QCOMPARE(summary.value("cancelled").toBool(), true);
        const int sent = summary.value("sent").toInt();
        QVERIFY2(sent >= 5 && sent < 200, qPrintable(QString::number(sent)));
        QCOMPARE(lengthOf(*m_c, "cancelled"), sent);
    }

    // The engine in process: pause() and resume() from another thread move the schedule.
    void engineCancelAndPause() {
        ReplayOptions options;
        options.to = "engine";
        options.speed = 0;
        ReplayControl control;
        control.cancel = true;
        const ReplaySummary cancelled =
            replayFile(path("two.jsonl"), m_server.settings(), options, control, {});
        QVERIFY(cancelled.cancelled);
        QCOMPARE(cancelled.sent, qint64(0));
        QCOMPARE(lengthOf(*m_c, "engine"), 0);

        ConnectionSettings ro = m_server.settings();
        ro.readOnly = true;
        ReplayControl c2;
        const ReplaySummary refused = replayFile(path("two.jsonl"), ro, options, c2, {});
        QCOMPARE(refused.error.kind, Error::Kind::ReadOnly);
        QVERIFY(!refused.started);
    }

    // On a cluster: each XADD goes to its stream's node (targets on three primaries), and the
    // check of the targets asks each one's node.
    void cluster() {
        LocalRedisCluster::Options options;
        options.replicasPerPrimary = 0;
        LocalRedisCluster cluster(options);
        const Error started = cluster.start();
        QVERIFY2(!started,
                 qPrintable(QStringLiteral("cannot start the test cluster: ") + started.message));
        auto client = openCluster(cluster.settings(0));
        QVERIFY(client);
        const QStringList primaries = client->primaries();
        QCOMPARE(primaries.size(), 3);
        const QByteArray a = keyOn(*client, primaries.at(0), "ra");
        const QByteArray b = keyOn(*client, primaries.at(1), "rb");
        const QByteArray full = keyOn(*client, primaries.at(2), "full");
        QVERIFY(!a.isEmpty() && !b.isEmpty() && !full.isEmpty());
        auto added = client->command({"XADD", full, "*", "x", "1"});
        QVERIFY(added.ok() && !added->isError());
        const QStringList url{QStringLiteral("-u"), cluster.url(0)};
        // A target on a third node holds an entry: refused, nothing sent to the others.
        CliRun r = runCli(url
                          + QStringList{"replay", path("two.jsonl"), "--map",
                                        "two-a=" + QString::fromUtf8(a), "--map",
                                        "two-b=" + QString::fromUtf8(full), "--speed", "max"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(full + " already holds 1 entry"), r.err.constData());
        QCOMPARE(client->command({"XLEN", a})->integer(), qint64(0));
        r = runCli(url
                   + QStringList{"replay", path("two.jsonl"), "--map",
                                 "two-a=" + QString::fromUtf8(a), "--map",
                                 "two-b=" + QString::fromUtf8(b), "--speed", "10x", "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(client->command({"XLEN", a})->integer(), qint64(20));
        QCOMPARE(client->command({"XLEN", b})->integer(), qint64(20));
        // Each on its own node (asked directly, not through the routing client).
        QCOMPARE(client->commandOn(primaries.at(0), {"XLEN", a})->integer(), qint64(20));
        QCOMPARE(client->commandOn(primaries.at(1), {"XLEN", b})->integer(), qint64(20));
        QCOMPARE(jsonOf(r.out).value("sent").toInt(), 40);
    }

    void dialog() {
        ConnectionSettings settings = m_server.settings();
        {
            ReplayDialog readOnly(settings, true, nullptr);
            readOnly.show();
            QSignalSpy checked(&readOnly, &ReplayDialog::captureChecked);
            readOnly.loadFile(path("two.jsonl"));
            QVERIFY(checked.wait(10000));
            QVERIFY2(readOnly.summaryText().contains("40 entries in 2 streams"),
                     qPrintable(readOnly.summaryText()));
            QVERIFY(readOnly.messageText().contains(QStringLiteral("read-only")));
            QVERIFY(!readOnly.startButton()->isEnabled());
            QVERIFY(!readOnly.start());
            QVERIFY2(readOnly.messageText().contains(QStringLiteral("Refused in read-only mode")),
                     qPrintable(readOnly.messageText()));
        }
        ReplayDialog d(settings, false, nullptr);
        d.show();
        QSignalSpy checked(&d, &ReplayDialog::captureChecked);
        d.loadFile(path("cap.jsonl"));
        QVERIFY(checked.wait(10000));
        const QString summary = d.summaryText();
        qInfo("%s", qPrintable(summary));
        QVERIFY2(summary.contains("1,000 entries in 1 stream"), qPrintable(summary));
        QVERIFY2(summary.contains("over 9.6 s"), qPrintable(summary));
        QCOMPARE(d.streamTable()->rowCount(), 1);
        QCOMPARE(d.streamTable()->item(0, 0)->text(), QStringLiteral("cap"));
        QCOMPARE(d.streamTable()->item(0, 1)->text(), QStringLiteral("1,000"));
        QVERIFY(d.startButton()->isEnabled());
        // The target holds entries (cap itself): refused without Append, named.
        QSignalSpy done(&d, &ReplayDialog::replayed);
        d.speedBox()->setCurrentText(QStringLiteral("max"));
        QVERIFY2(d.summaryText().contains("At max speed"), qPrintable(d.summaryText()));
        QVERIFY(d.start());
        QVERIFY(done.wait(10000));
        QVERIFY2(d.messageText().contains("cap already holds 1,000 entries"),
                 qPrintable(d.messageText()));
        // In the dialog's words, not the CLI's options.
        QVERIFY2(d.messageText().contains("\"Append to target streams that already hold "
                                          "entries\" is ticked")
                     && !d.messageText().contains("--append"),
                 qPrintable(d.messageText()));
        QCOMPARE(d.streamTable()->horizontalHeader()->sectionResizeMode(4), QHeaderView::Stretch);
        QCOMPARE(lengthOf(*m_c, "cap"), 1000);
        // To a new stream, paced at 10x, paused on the way: the progress bar fills.
        d.setTarget("cap", QStringLiteral("from-dialog"));
        d.speedBox()->setCurrentText(QStringLiteral("10x"));
        QVERIFY2(d.summaryText().contains("At 10x it takes about 960 ms"),
                 qPrintable(d.summaryText()));
        QVERIFY(d.start());
        QVERIFY(d.isRunning());
        QTest::qWait(300);
        d.pause();
        QVERIFY(d.pauseButton()->text() == QStringLiteral("Resume"));
        QTest::qWait(200); // the last pipeline lands
        const int atPause = lengthOf(*m_c, "from-dialog");
        QTest::qWait(400);
        QCOMPARE(lengthOf(*m_c, "from-dialog"), atPause);
        d.resume();
        QVERIFY(done.wait(10000));
        QVERIFY(d.summary());
        QCOMPARE(d.summary()->sent, qint64(1000));
        QVERIFY2(d.summary()->pausedMs >= 500, qPrintable(QString::number(d.summary()->pausedMs)));
        QCOMPARE(d.progressBar()->value(), 1000);
        QCOMPARE(lengthOf(*m_c, "from-dialog"), 1000);
        QVERIFY2(d.messageText().contains("sent 1,000 of 1,000 entries"),
                 qPrintable(d.messageText()));
        // Cancelled on the way (at 1x: 9.6 s): it stops after the pipeline in flight and says
        // what was sent.
        d.setTarget("cap", QStringLiteral("dialog-cancel"));
        d.speedBox()->setCurrentText(QStringLiteral("1x"));
        QVERIFY(d.start());
        QTest::qWait(500);
        d.cancel();
        QVERIFY(done.wait(10000));
        QVERIFY(d.summary()->cancelled);
        QVERIFY2(d.summary()->sent > 0 && d.summary()->sent < 1000,
                 qPrintable(QString::number(d.summary()->sent)));
        QCOMPARE(qint64(lengthOf(*m_c, "dialog-cancel")), d.summary()->sent);
        QVERIFY2(d.messageText().contains("cancelled: sent"), qPrintable(d.messageText()));
        QVERIFY(!d.isRunning());
        QVERIFY(d.startButton()->isEnabled());
    }

private:
    LocalRedisServer m_server;
    std::unique_ptr<RedisConnection> m_c;
    QTemporaryDir m_dir;
    QList<Entry> m_original;
};

QTEST_MAIN(TestReplay)
#include "tst_replay.moc"
