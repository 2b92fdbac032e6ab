// Export: exactly the entries asked for, to JSON Lines or CSV, from the browser's loaded or
// selected entries, an ID or time range read from a real server, and a group's pending list;
// with progress; written whole or not at all (cancel, unwritable paths).
#include "Export.h"
#include "ExportDialog.h"
#include "GroupActions.h"
#include "StreamBrowser.h"
#include "StreamBrowserModel.h"
#include "StreamTailer.h"
#include "TestRedis.h"
#include "ValueFormat.h"

#include <QApplication>
#include <QBuffer>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QItemSelectionModel>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QRadioButton>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <utility>

using namespace streamscope;
using namespace streamscope::test;

namespace {

QList<QByteArray> lines(const QString &path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QList<QByteArray> out = f.readAll().split('\n');
    if (!out.isEmpty() && out.last().isEmpty())
        out.removeLast();
    return out;
}

// A small RFC 4180 reader: rows of cells, quotes and CRLF handled.
QList<QStringList> readCsv(const QString &path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QString text = QString::fromUtf8(f.readAll());
    QList<QStringList> rows;
    QStringList row;
    QString cell;
    bool quoted = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (quoted) {
            if (c == QLatin1Char('"') && i + 1 < text.size() && text.at(i + 1) == QLatin1Char('"'))
                cell += c, ++i;
            else if (c == QLatin1Char('"'))
                quoted = false;
            else
                cell += c;
        } else if (c == QLatin1Char('"')) {
            quoted = true;
        } else if (c == QLatin1Char(',')) {
            row << cell;
            cell.clear();
        } else if (c == QLatin1Char('\r')) {
        } else if (c == QLatin1Char('\n')) {
            row << cell;
            rows << row;
            row.clear();
            cell.clear();
        } else {
            cell += c;
        }
    }
    return rows;
}

QByteArray idOf(const QByteArray &jsonLine) {
    return QJsonDocument::fromJson(jsonLine)
        .object()
        .value(QLatin1String("id"))
        .toString()
        .toLatin1();
}

} // namespace

class TestExport : public QObject {
    Q_OBJECT
private:
    // Replaces an existing file without asking (replaceAsks tests the question).
    std::optional<ExportOutcome> runDialog(ExportDialog &dialog) {
        dialog.confirmReplace = [](const QString &) { return true; };
        QSignalSpy done(&dialog, &ExportDialog::exported);
        if (!dialog.start())
            return std::nullopt;
        if (!done.wait(30000)) {
            QTest::qFail("export did not finish", __FILE__, __LINE__);
            return std::nullopt;
        }
        return dialog.outcome();
    }

private Q_SLOTS:
    void initTestCase() {
        registerCoreMetaTypes();
        STREAMSCOPE_START_REDIS(m_server);
        m_c = connectTo(m_server.settings());
        QVERIFY(m_dir.isValid());
    }
    void init() { run(*m_c, {"FLUSHALL"}); }

    void idRangeExactly() {
        QList<Command> adds;
        for (int i = 1; i <= 2500; ++i)
            adds.append(
                {"XADD", "s", QByteArray::number(1000 + i) + "-0", "i", QByteArray::number(i)});
        QVERIFY(m_c->pipeline(adds).ok());
        ExportDialog dialog({{}, {}, "s", {}}, m_server.settings());
        dialog.choose(ExportDialog::Choice::Range);
        dialog.fromEdit()->setText(QStringLiteral("1100-0"));
        dialog.toEdit()->setText(QStringLiteral("3199-0"));
        const QString path = m_dir.filePath(QStringLiteral("range.jsonl"));
        dialog.pathEdit()->setText(path);
        QCOMPARE(dialog.formatBox()->currentIndex(), 0);
        const auto outcome = runDialog(dialog);
        QVERIFY(outcome && outcome->error.isEmpty());
        QCOMPARE(outcome->written, 2100); // 1100..3199 inclusive
        const QList<QByteArray> out = lines(path);
        QCOMPARE(out.size(), 2100);
        QCOMPARE(idOf(out.first()), QByteArray("1100-0"));
        QCOMPARE(idOf(out.last()), QByteArray("3199-0"));
        QVERIFY(dialog.messageText().contains(QLatin1String("Wrote exactly 2,100 entries")));

        // Open ends: everything.
        dialog.fromEdit()->clear();
        dialog.toEdit()->clear();
        QCOMPARE(runDialog(dialog)->written, 2500);
        // A range that ends before it starts is refused before anything runs.
        dialog.fromEdit()->setText(QStringLiteral("2000-0"));
        dialog.toEdit()->setText(QStringLiteral("1500-0"));
        QVERIFY(!dialog.start());
        QVERIFY(dialog.messageText().contains(QLatin1String("ends before it starts")));
        dialog.toEdit()->setText(QStringLiteral("soon"));
        QVERIFY(!dialog.start());
        QVERIFY(dialog.messageText().contains(QLatin1String("To:")));
    }

    void timeRangeExactly() {
        const QDateTime base(QDate(2026, 11, 25), QTime(12, 0));
        QList<Command> adds;
        for (int i = 0; i < 60; ++i) // one a second, 12:00:00 .. 12:00:59, plus a second one
            for (int seq = 0; seq < 2; ++seq)
                adds.append({"XADD", "t",
                             QByteArray::number(base.toMSecsSinceEpoch() + i * 1000) + "-"
                                 + QByteArray::number(seq),
                             "i", QByteArray::number(i)});
        QVERIFY(m_c->pipeline(adds).ok());
        ExportDialog dialog({{}, {}, "t", {}}, m_server.settings());
        dialog.choose(ExportDialog::Choice::Range);
        dialog.fromEdit()->setText(QStringLiteral("2026-11-25 12:00:10"));
        dialog.toEdit()->setText(QStringLiteral("2026-11-25 12:00:19"));
        const QString path = m_dir.filePath(QStringLiteral("time.csv"));
        dialog.pathEdit()->setText(path);
        QCOMPARE(dialog.formatBox()->currentIndex(), 1); // from the extension
        const auto outcome = runDialog(dialog);
        QVERIFY(outcome && outcome->error.isEmpty());
        QCOMPARE(outcome->written, 20); // 10 seconds, both entries of each
        const QList<QStringList> rows = readCsv(path);
        QCOMPARE(rows.size(), 21);
        QCOMPARE(rows.first(), (QStringList{"stream", "id", "time", "i", "other_fields"}));
        QCOMPARE(rows.at(1).at(3), QStringLiteral("10"));
        QCOMPARE(rows.last().at(3), QStringLiteral("19"));
        QCOMPARE(rows.last().at(2), base.addSecs(19).toUTC().toString(Qt::ISODateWithMs));
    }

    // "--to 12:00:19" is the whole second: 12:00:19.500 is in; the precision typed decides.
    void rangeEndsAtThePrecisionTyped_data() {
        QTest::addColumn<QString>("from");
        QTest::addColumn<QString>("to");
        QTest::addColumn<int>("expected");
        QTest::newRow("second") << "2026-11-25 12:00:10"
                                << "2026-11-25 12:00:19" << 20;
        QTest::newRow("minute") << "2026-11-25 12:00"
                                << "2026-11-25 12:00" << 120;
        QTest::newRow("ms") << "2026-11-25 12:00:10.000"
                            << "2026-11-25 12:00:19.000" << 19;
        QTest::newRow("ms, T") << "2026-11-25T12:00:10.500"
                               << "2026-11-25T12:00:10.500" << 1;
        QTest::newRow("day") << "2026-11-25"
                             << "2026-11-25" << 120;
    }
    void rangeEndsAtThePrecisionTyped() {
        QFETCH(QString, from);
        QFETCH(QString, to);
        QFETCH(int, expected);
        const QDateTime base(QDate(2026, 11, 25), QTime(12, 0));
        QList<Command> adds;
        for (int i = 0; i < 60; ++i) // at .000 and .500 of every second of 12:00
            for (int half = 0; half < 2; ++half)
                adds.append(
                    {"XADD", "p",
                     QByteArray::number(base.toMSecsSinceEpoch() + i * 1000 + half * 500) + "-0",
                     "i", QByteArray::number(i)});
        QVERIFY(m_c->pipeline(adds).ok());
        ExportDialog dialog({{}, {}, "p", {}}, m_server.settings());
        dialog.choose(ExportDialog::Choice::Range);
        dialog.fromEdit()->setText(from);
        dialog.toEdit()->setText(to);
        dialog.pathEdit()->setText(m_dir.filePath(QStringLiteral("precision.jsonl")));
        const auto outcome = runDialog(dialog);
        QVERIFY(outcome && outcome->error.isEmpty());
        QCOMPARE(outcome->written, expected);
    }

    // Entries trimmed while the export runs are found and counted: the export fails (nothing
    // written) or, asked to, keeps the file and says how many are missing.
    void trimDuringExport() {
        addEntries(*m_c, "trimmed", 0, 3000);
        const ConnectionSettings settings = m_server.settings();
        auto trimmer = connectTo(settings);
        ExportOptions options;
        bool trimmedOnce = false;
        options.afterPage = [&](const StreamId &) {
            if (!std::exchange(trimmedOnce, true)) // after the first 1,000: keep the last 1,880
                run(*trimmer, {"XTRIM", "trimmed", "MAXLEN", "1880"});
        };
        ExportSource source;
        source.kind = ExportSource::Kind::Range;
        source.stream = "trimmed";
        const QString path = m_dir.filePath(QStringLiteral("trimmed.jsonl"));
        const std::atomic<bool> never{false};
        ExportOutcome o = exportTo(
            source, path, ExportFormat::JsonLines, &settings, [](qint64, double) {}, never,
            options);
        QCOMPARE(o.failure, ExportOutcome::Failure::Incomplete);
        QCOMPARE(o.missing, 120); // 1,120 trimmed, 1,000 of them already written
        QVERIFY(o.missingExact);
        QVERIFY2(o.error.contains(QLatin1String("120 entries of the range were trimmed or deleted "
                                                "while the export ran: only 2,880 of the 3,000")),
                 qPrintable(o.error));
        QVERIFY(!QFile::exists(path)); // whole or nothing

        // Allowed: the file is kept, the warning counts.
        run(*m_c, {"DEL", "trimmed"});
        addEntries(*m_c, "trimmed", 0, 3000);
        trimmedOnce = false;
        options.allowGaps = true;
        o = exportTo(
            source, path, ExportFormat::JsonLines, &settings, [](qint64, double) {}, never,
            options);
        QCOMPARE(o.failure, ExportOutcome::Failure::None);
        QCOMPARE(o.written, 2880);
        QCOMPARE(lines(path).size(), 2880);
        QVERIFY(o.warning.contains(QLatin1String("120 entries")));

        // Part of the stream: entries trimmed before the range are no gap...
        run(*m_c, {"DEL", "trimmed"});
        addEntries(*m_c, "trimmed", 0, 3000);
        const QByteArray fromId =
            run(*m_c, {"XRANGE", "trimmed", "-", "+", "COUNT", "2000"}).at(1999).at(0).bytes();
        source.from = StreamId::parse(fromId).value();
        trimmedOnce = false;
        options.allowGaps = false;
        o = exportTo(
            source, path, ExportFormat::JsonLines, &settings, [](qint64, double) {}, never,
            options);
        QCOMPARE(o.failure, ExportOutcome::Failure::None);
        QCOMPARE(o.written, 1001);
        // ...but entries trimmed inside it are: only a bound, the range was not the whole stream.
        run(*m_c, {"DEL", "trimmed"});
        addEntries(*m_c, "trimmed", 0, 3000);
        source.from =
            StreamId::parse(
                run(*m_c, {"XRANGE", "trimmed", "-", "+", "COUNT", "2"}).at(1).at(0).bytes())
                .value();
        trimmedOnce = false;
        o = exportTo(
            source, path, ExportFormat::JsonLines, &settings, [](qint64, double) {}, never,
            options);
        QCOMPARE(o.failure, ExportOutcome::Failure::Incomplete);
        QVERIFY(!o.missingExact);
        // At most 120: the stream held 3,000 at the start (the range's own count is unknown)
        // and 2,880 were read; 119 are in fact missing.
        QCOMPARE(o.missing, 120);
        QVERIFY2(o.error.contains(QLatin1String("up to 120 entries")), qPrintable(o.error));

        // The dialog says the same.
        run(*m_c, {"DEL", "trimmed"});
        addEntries(*m_c, "trimmed", 0, 3000);
        trimmedOnce = false;
        ExportDialog dialog({{}, {}, "trimmed", {}}, settings);
        dialog.choose(ExportDialog::Choice::Range);
        dialog.pathEdit()->setText(path);
        ExportOptions hook;
        // The dialog exports on a thread of its own: the trim needs a connection made there
        // (the test's trimmer belongs to this thread; using it there crashed now and then).
        hook.afterPage = [&](const StreamId &) {
            if (!std::exchange(trimmedOnce, true))
                run(*connectTo(settings), {"XTRIM", "trimmed", "MAXLEN", "1880"});
        };
        dialog.setExportOptions(hook);
        auto failed = runDialog(dialog);
        QVERIFY(failed && failed->failure == ExportOutcome::Failure::Incomplete);
        QVERIFY2(dialog.messageText().contains(QLatin1String("nothing was written: 120 entries")),
                 qPrintable(dialog.messageText()));
        run(*m_c, {"DEL", "trimmed"});
        addEntries(*m_c, "trimmed", 0, 3000);
        trimmedOnce = false;
        dialog.allowGapsBox()->setChecked(true);
        failed = runDialog(dialog);
        QVERIFY(failed && failed->failure == ExportOutcome::Failure::None);
        QVERIFY2(dialog.messageText().contains(QLatin1String("Wrote exactly 2,880 entries")),
                 qPrintable(dialog.messageText()));
        QVERIFY(dialog.messageText().contains(QLatin1String("but 120 entries")));
    }

    // A server whose client-output-buffer-limit (1 MB) is below a grown page (8,000 entries of
    // about 200 bytes) closes the connection under it: the export asks for that page again on
    // a new connection, at 1,000 entries a page, and writes every entry once, in order; with
    // entries too big for 1,000 a page, a quarter of that each time.
    void grownPageKilledIsReadAgain() {
        QList<Command> adds;
        const QByteArray filler(160, 'f');
        for (int i = 0; i < 20000; ++i)
            adds.append({"XADD", "limited", "*", "seq", QByteArray::number(i), "filler", filler});
        QVERIFY(m_c->pipeline(adds, 60000).ok());
        run(*m_c, {"CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 1mb 0"});
        auto restore = qScopeGuard([&] {
            run(*m_c, {"CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0"});
        });
        const ConnectionSettings settings = m_server.settings();
        ExportSource source;
        source.kind = ExportSource::Kind::Range;
        source.stream = "limited";
        const QString path = m_dir.filePath(QStringLiteral("limited.jsonl"));
        const std::atomic<bool> never{false};
        const ExportOutcome o = exportTo(
            source, path, ExportFormat::JsonLines, &settings, [](qint64, double) {}, never);
        QVERIFY2(o.failure == ExportOutcome::Failure::None, qPrintable(o.error));
        QCOMPARE(o.written, 20000);
        QCOMPARE(o.reconnects, 1);
        const QList<QByteArray> written = lines(path);
        QCOMPARE(written.size(), 20000);
        for (int i = 0; i < written.size(); ++i) {
            const QJsonObject entry = QJsonDocument::fromJson(written[i]).object();
            QCOMPARE(entry.value(QLatin1String("fields")).toObject().value(QLatin1String("seq")),
                     QJsonValue(QString::number(i)));
        }
        QCOMPARE(o.pageSizeAfterLoss, 1000);

        // Entries so big that 1,000 of them pass the limit too: 1,000, then 250, then 62 a page.
        adds.clear();
        const QByteArray payload(8000, 'p');
        for (int i = 0; i < 300; ++i)
            adds.append({"XADD", "big", "*", "seq", QByteArray::number(i), "payload", payload});
        QVERIFY(m_c->pipeline(adds, 60000).ok());
        source.stream = "big";
        const ExportOutcome b = exportTo(
            source, path, ExportFormat::JsonLines, &settings, [](qint64, double) {}, never);
        QVERIFY2(b.failure == ExportOutcome::Failure::None, qPrintable(b.error));
        QCOMPARE(b.written, 300);
        QCOMPARE(b.reconnects, 2);
        QCOMPARE(b.pageSizeAfterLoss, 62);
        QCOMPARE(lines(path).size(), 300);

        // The same entries with our own max-reply below 1,000 of them (and no server limit).
        run(*m_c, {"CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0"});
        ConnectionSettings small = settings;
        small.maxReplyBytes = 1024 * 1024;
        const ExportOutcome m = exportTo(
            source, path, ExportFormat::JsonLines, &small, [](qint64, double) {}, never);
        QVERIFY2(m.failure == ExportOutcome::Failure::None, qPrintable(m.error));
        QCOMPARE(m.written, 300);
        QCOMPARE(m.reconnects, 2);
        QCOMPARE(m.pageSizeAfterLoss, 62);

        // Pages made smaller by a kill never halve back up to a size that was killed: here a
        // page of 25 is over pageGrowBytes (a halving) but 100 would be killed again.
        run(*m_c, {"CONFIG", "SET", "client-output-buffer-limit", "normal 256kb 256kb 0"});
        ExportOptions tight;
        tight.pageSize = 100;
        tight.pageGrowBytes = 64 * 1024;
        source.stream = "big";
        const ExportOutcome t = exportTo(
            source, path, ExportFormat::JsonLines, &settings, [](qint64, double) {}, never, tight);
        QVERIFY2(t.failure == ExportOutcome::Failure::None, qPrintable(t.error));
        QCOMPARE(t.written, 300);
        QCOMPARE(t.reconnects, 1); // 100 (800 KB) killed; 25 (200 KB) pass, and stay 25
        QCOMPARE(t.pageSizeAfterLoss, 25);
    }

    // Pages asked for before the page before them is parsed (read-ahead): every entry once, in
    // order, across page boundaries; and with a trim while a page is in flight, the entries
    // written and those counted missing add up to the range, nothing twice.
    void readAheadKeepsEveryEntryOnceInOrder() {
        addEntries(*m_c, "ahead", 0, 5000);
        const ConnectionSettings settings = m_server.settings();
        ExportSource source;
        source.kind = ExportSource::Kind::Range;
        source.stream = "ahead";
        ExportOptions options;
        options.pageSize = 100;
        const QString path = m_dir.filePath(QStringLiteral("ahead.jsonl"));
        const std::atomic<bool> never{false};
        ExportOutcome o = exportTo(
            source, path, ExportFormat::JsonLines, &settings, [](qint64, double) {}, never,
            options);
        QCOMPARE(o.failure, ExportOutcome::Failure::None);
        QCOMPARE(o.written, 5000);
        QVERIFY(o.pagesReadAhead > 0);
        // Small pages grow: 100, 200, ... 1,600 and the rest, instead of 50 pages of 100.
        QVERIFY2(o.pagesReadAhead <= 6, qPrintable(QString::number(o.pagesReadAhead)));
        {
            ExportOptions fixed = options;
            fixed.maxPageSize = fixed.pageSize;
            const ExportOutcome f = exportTo(
                source, m_dir.filePath(QStringLiteral("fixed.jsonl")), ExportFormat::JsonLines,
                &settings, [](qint64, double) {}, never, fixed);
            QCOMPARE(f.written, 5000);
            QCOMPARE(f.pagesReadAhead, 49);
        }
        const RedisReply all = run(*m_c, {"XRANGE", "ahead", "-", "+"});
        QList<QByteArray> expected;
        for (const RedisReply &e : all.elements())
            expected << e.at(0).bytes();
        QList<QByteArray> ids;
        for (const QByteArray &line : lines(path))
            ids << idOf(line);
        QCOMPARE(ids, expected);

        // A trim after the third page is written, while the fourth is asked for already.
        run(*m_c, {"DEL", "ahead"});
        addEntries(*m_c, "ahead", 0, 5000);
        auto trimmer = connectTo(settings);
        int pages = 0;
        options.allowGaps = true;
        o = exportTo(
            source, path, ExportFormat::JsonLines, &settings,
            [&](qint64, double) {
                if (++pages == 3)
                    run(*trimmer, {"XTRIM", "ahead", "MAXLEN", "1000"});
            },
            never, options);
        QCOMPARE(o.failure, ExportOutcome::Failure::None);
        QVERIFY(o.missingExact);
        QCOMPARE(o.written + o.missing, 5000);
        QVERIFY(o.written >= 1300); // the three pages and the survivors at least
        ids.clear();
        for (const QByteArray &line : lines(path))
            ids << idOf(line);
        QCOMPARE(ids.size(), o.written);
        for (qsizetype i = 1; i < ids.size(); ++i) // once each, in order
            QVERIFY(StreamId::parse(ids[i - 1]).value() < StreamId::parse(ids[i]).value());
        // The survivors to the end.
        QCOMPARE(ids.last(),
                 run(*m_c, {"XREVRANGE", "ahead", "+", "-", "COUNT", "1"}).at(0).at(0).bytes());
        qInfo("%lld written, %lld trimmed before they were read", qlonglong(o.written),
              qlonglong(o.missing));
    }

    // The export's JSON Lines writer takes a shortcut for plain entries: the same bytes as
    // valueformat::appendEntryJson for every kind of entry.
    void fastJsonIsTheSameJson() {
        QList<StreamEntry> entries = {
            StreamEntry::make("s", {1, 2}, {"a", "1", "b", "two"}),
            StreamEntry::make("s", {1700000000000, 0}, {}),
            StreamEntry::make("q\"uote\\s", {3, 4}, {"n\"", "v\\", "x", "\"\""}),
            StreamEntry::make("s", {5, 6}, {"dup", "1", "dup", "2"}),
            StreamEntry::make("s", {7, 8}, {"utf8", "gr\xc3\xbc\xc3\x9f"}),
            StreamEntry::make("s", {9, 10}, {"ctl", "line\nbreak\ttab\x01"}),
            StreamEntry::make("s", {11, 12}, {"bin", QByteArray("\xff\x00\x80", 3)}),
            StreamEntry::make("\xff", {13, 14}, {"a", "b"}),
            StreamEntry::make("s", {15, 16}, {"", ""}),
            StreamEntry::make(
                "s", {std::numeric_limits<quint64>::max(), std::numeric_limits<quint64>::max()},
                {"k", "v"}),
        };
        QList<QByteArray> many;
        for (int i = 0; i < 40; ++i)
            many << "f" + QByteArray::number(i) << QByteArray::number(i);
        entries << StreamEntry::make("s", {17, 18}, many);
        // 32 fields: still the shortcut; a name twice among them: not
        entries << StreamEntry::make("s", {19, 20}, many.mid(0, 64));
        entries << StreamEntry::make("s", {21, 22}, many.mid(0, 64) + QList<QByteArray>{"f0", "x"});
        QByteArray fast, reference;
        for (const StreamEntry &e : entries) {
            appendEntryJsonFast(fast, e);
            valueformat::appendEntryJson(reference, e);
            QCOMPARE(fast, reference);
        }
    }

    // A full disk, an unwritable path: a message about the output, never success.
    void writeErrorsAreAboutTheOutput() {
        addEntries(*m_c, "w", 0, 10);
        ExportSource source;
        source.kind = ExportSource::Kind::Range;
        source.stream = "w";
        const ConnectionSettings settings = m_server.settings();
        const std::atomic<bool> never{false};
        ExportOutcome o = exportTo(
            source, QStringLiteral("/dev/full"), ExportFormat::JsonLines, &settings,
            [](qint64, double) {}, never);
        QCOMPARE(o.failure, ExportOutcome::Failure::Output);
        QCOMPARE(o.error, QStringLiteral("cannot write to /dev/full: No space left on device"));
        QCOMPARE(o.written, 0);
        o = exportTo(
            source, m_dir.filePath(QStringLiteral("no/such/dir/x.csv")), ExportFormat::Csv,
            &settings, [](qint64, double) {}, never);
        QCOMPARE(o.failure, ExportOutcome::Failure::Output);
        QVERIFY2(o.error.startsWith(QLatin1String("cannot write to ")), qPrintable(o.error));
        // Given entries, to a device that refuses them.
        source.kind = ExportSource::Kind::Entries;
        source.entries = {StreamEntry::make("w", {1, 0}, {"a", "1"})};
        QFile full(QStringLiteral("/dev/full"));
        QVERIFY(full.open(QIODevice::WriteOnly));
        ExportOptions options;
        options.outputName = QStringLiteral("stdout");
        o = exportToDevice(
            source, &full, ExportFormat::JsonLines, nullptr, [](qint64, double) {}, never, options);
        QCOMPARE(o.error, QStringLiteral("cannot write to stdout: No space left on device"));
    }

    void csvQuotesBinaryAndLateFields() {
        run(*m_c, {"XADD", "c", "1-1", "a", "plain", "b", "comma, \"quote\"\nline"});
        run(*m_c, {"XADD", "c", "1-2", "a", QByteArray("\xff\x00z", 3), "late", "x"});
        ExportDialog dialog({{}, {}, "c", {}}, m_server.settings());
        dialog.choose(ExportDialog::Choice::Range);
        const QString path = m_dir.filePath(QStringLiteral("c.csv"));
        dialog.pathEdit()->setText(path);
        QCOMPARE(runDialog(dialog)->written, 2);
        const QList<QStringList> rows = readCsv(path);
        QCOMPARE(rows.size(), 3);
        QCOMPARE(rows.at(1).at(4), QStringLiteral("comma, \"quote\"\nline"));
        // Bytes that are not UTF-8 cannot be a cell exactly: other_fields in the lossless form,
        // and since a at the end would change the entry's order, late goes there too.
        QCOMPARE(rows.first(),
                 (QStringList{"stream", "id", "time", "a", "b", "late", "other_fields"}));
        QCOMPARE(rows.at(2).mid(3),
                 (QStringList{"", "", "", R"({"a":{"base64":"/wB6"},"late":"x"})"}));

        // Columns come from the first page; a name first seen later goes to other_fields.
        QBuffer buffer;
        buffer.open(QIODevice::WriteOnly);
        EntryWriter writer(&buffer, ExportFormat::Csv);
        QVERIFY(writer.write({StreamEntry::make("c", {1, 1}, {"a", "1"})}));
        QVERIFY(writer.write({StreamEntry::make("c", {1, 2}, {"a", "2", "late", "x"})}));
        QVERIFY(writer.write({StreamEntry::make("c", {1, 3}, {"a", "", "a", "again"})}));
        QCOMPARE(
            buffer.data(),
            QByteArray("stream,id,time,a,other_fields\r\n"
                       "c,1-1,1970-01-01T00:00:00.001Z,1,\r\n"
                       "c,1-2,1970-01-01T00:00:00.001Z,2,\"{\"\"late\"\":\"\"x\"\"}\"\r\n"
                       // An empty value is "" (a missing one is nothing); a repeated name
                       // goes to other_fields, which import reads after the columns.
                       "c,1-3,1970-01-01T00:00:00.001Z,\"\",\"{\"\"a\"\":\"\"again\"\"}\"\r\n"));
        QCOMPARE(writer.written(), 3);
    }

    void loadedAndSelectedFromTheBrowser() {
        addEntries(*m_c, "b", 0, 1200);
        StreamBrowser browser;
        GroupActions requests(m_server.settings());
        browser.setRequests(&requests);
        browser.openStream("b");
        QTRY_COMPARE(browser.model()->rowCount(), StreamBrowserModel::pageSize);
        QItemSelectionModel *sel = browser.view()->selectionModel();
        for (int row : {3, 4, 10})
            sel->select(browser.view()->model()->index(row, 0),
                        QItemSelectionModel::Select | QItemSelectionModel::Rows);
        QSignalSpy asked(&browser, &StreamBrowser::exportRequested);
        auto *exportButton = [&]() -> QPushButton * {
            for (QPushButton *b : browser.findChildren<QPushButton *>())
                if (b->text() == QLatin1String("Export..."))
                    return b;
            return nullptr;
        }();
        QVERIFY(exportButton);
        exportButton->click();
        QCOMPARE(asked.size(), 1);
        const ExportChoices choices = asked.first().first().value<ExportChoices>();
        QCOMPARE(choices.loaded.size(), StreamBrowserModel::pageSize);
        QCOMPARE(choices.selected.size(), 3);

        ExportDialog dialog(choices, m_server.settings());
        dialog.choose(ExportDialog::Choice::Selected);
        const QString path = m_dir.filePath(QStringLiteral("selected.jsonl"));
        dialog.pathEdit()->setText(path);
        QCOMPARE(runDialog(dialog)->written, 3);
        const QList<QByteArray> out = lines(path);
        QCOMPARE(out.size(), 3);
        QCOMPARE(idOf(out.at(0)), browser.model()->entry(3).id.toByteArray());
        QCOMPARE(idOf(out.at(2)), browser.model()->entry(10).id.toByteArray());

        dialog.choose(ExportDialog::Choice::Loaded);
        QCOMPARE(runDialog(dialog)->written, StreamBrowserModel::pageSize);
        QCOMPARE(lines(path).size(), StreamBrowserModel::pageSize);
    }

    void pendingListExactly() {
        addEntries(*m_c, "p", 0, 1234);
        run(*m_c, {"XGROUP", "CREATE", "p", "g", "0"});
        run(*m_c, {"XREADGROUP", "GROUP", "g", "alice", "COUNT", "1000", "STREAMS", "p", ">"});
        run(*m_c, {"XREADGROUP", "GROUP", "g", "bob", "COUNT", "1000", "STREAMS", "p", ">"});
        ExportDialog dialog({{}, {}, "p", "g"}, m_server.settings());
        dialog.choose(ExportDialog::Choice::Pending);
        const QString path = m_dir.filePath(QStringLiteral("pending.jsonl"));
        dialog.pathEdit()->setText(path);
        const auto outcome = runDialog(dialog);
        QVERIFY(outcome && outcome->error.isEmpty());
        QCOMPARE(outcome->written, 1234);
        const QList<QByteArray> out = lines(path);
        QCOMPARE(out.size(), 1234);
        const QJsonObject first = QJsonDocument::fromJson(out.first()).object();
        QCOMPARE(first.value(QLatin1String("consumer")).toString(), QStringLiteral("alice"));
        QCOMPARE(first.value(QLatin1String("deliveries")).toInt(), 1);
        QCOMPARE(QJsonDocument::fromJson(out.last()).object().value(QLatin1String("consumer")),
                 QStringLiteral("bob"));
        QSet<QByteArray> ids;
        for (const QByteArray &l : out)
            ids.insert(idOf(l));
        QCOMPARE(ids.size(), 1234); // each once
    }

    void wholeOrNothing() {
        addEntries(*m_c, "w", 0, 50);
        const QString path = m_dir.filePath(QStringLiteral("keep.jsonl"));
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("old contents\n");
        }
        // Cancelled before the first page: the old file stays as it was.
        std::atomic<bool> cancel{true};
        ExportSource source;
        source.kind = ExportSource::Kind::Range;
        source.stream = "w";
        const ConnectionSettings settings = m_server.settings();
        ExportOutcome o = exportTo(
            source, path, ExportFormat::JsonLines, &settings, [](qint64, double) {}, cancel);
        QVERIFY(o.cancelled);
        QCOMPARE(lines(path), QList<QByteArray>{"old contents"});
        // A key of another type: the server's error, and still the old file.
        run(*m_c, {"SET", "str", "x"});
        source.stream = "str";
        cancel = false;
        o = exportTo(
            source, path, ExportFormat::JsonLines, &settings, [](qint64, double) {}, cancel);
        QVERIFY2(o.error.contains(QLatin1String("WRONGTYPE")), qPrintable(o.error));
        QCOMPARE(lines(path), QList<QByteArray>{"old contents"});
        // A directory that does not exist: said plainly.
        ExportDialog dialog({{}, {}, "w", {}}, m_server.settings());
        dialog.choose(ExportDialog::Choice::Range);
        dialog.pathEdit()->setText(m_dir.filePath(QStringLiteral("no/such/dir/x.jsonl")));
        const auto failed = runDialog(dialog);
        QVERIFY(failed && !failed->error.isEmpty());
        QVERIFY(dialog.messageText().contains(QLatin1String("nothing was written")));
        // Progress is reported while a long export runs.
        addEntries(*m_c, "long", 0, 5000);
        source.stream = "long";
        int calls = 0;
        double lastFraction = 0;
        o = exportTo(
            source, m_dir.filePath(QStringLiteral("long.jsonl")), ExportFormat::JsonLines,
            &settings,
            [&](qint64, double f) {
                ++calls;
                lastFraction = f;
            },
            cancel);
        QCOMPARE(o.written, 5000);
        QCOMPARE(calls, 3); // pages of 1,000, 2,000 and the last 2,000 (small pages grow)
        QCOMPARE(lastFraction, 1.0);
    }

    // An existing file is replaced only after asking; a "no" writes nothing and says so.
    void replaceAsks() {
        addEntries(*m_c, "r", 0, 3);
        const QString path = m_dir.filePath(QStringLiteral("existing.jsonl"));
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("old contents\n");
        }
        ExportDialog dialog({{}, {}, "r", {}}, m_server.settings());
        dialog.choose(ExportDialog::Choice::Range);
        dialog.pathEdit()->setText(path);
        QStringList asked;
        bool answer = false;
        dialog.confirmReplace = [&](const QString &p) {
            asked << p;
            return answer;
        };
        QSignalSpy done(&dialog, &ExportDialog::exported);
        QVERIFY(!dialog.start());
        QCOMPARE(asked, QStringList{path});
        QVERIFY(!dialog.isRunning());
        QVERIFY(dialog.messageText().contains(QLatin1String("Nothing was written")));
        QCOMPARE(lines(path), QList<QByteArray>{"old contents"});
        answer = true;
        QVERIFY(dialog.start());
        QVERIFY(done.wait(30000));
        QCOMPARE(lines(path).size(), 3);
        // A new file is written without a question.
        asked.clear();
        dialog.pathEdit()->setText(m_dir.filePath(QStringLiteral("new.jsonl")));
        QVERIFY(dialog.start());
        QVERIFY(done.wait(30000));
        QVERIFY(asked.isEmpty());
        // The default question names its buttons for what they do.
        ExportDialog plain({{}, {}, "r", {}}, m_server.settings());
        plain.choose(ExportDialog::Choice::Range);
        plain.pathEdit()->setText(path);
        QTimer::singleShot(0, this, [] {
            auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
            QVERIFY(box);
            QStringList texts;
            for (QAbstractButton *b : box->buttons())
                texts << b->text().remove(QLatin1Char('&'));
            texts.sort();
            QCOMPARE(texts,
                     (QStringList{QStringLiteral("Cancel"), QStringLiteral("Replace file")}));
            box->reject();
        });
        QVERIFY(!plain.start());
        QCOMPARE(lines(path).size(), 3);
    }

    // "The N entries that match the filter" is offered (and chosen) when there are some.
    void matchingChoice() {
        StreamEntryList all;
        for (int i = 0; i < 5; ++i)
            all << StreamEntry::make("m", StreamId{quint64(100 + i), 0},
                                     {"i", QByteArray::number(i)});
        ExportDialog without({all, {}, "m", {}}, std::nullopt);
        QCOMPARE(without.choice(), ExportDialog::Choice::Loaded);
        ExportDialog dialog({all, {}, "m", {}, {all.at(1), all.at(3)}}, std::nullopt);
        QCOMPARE(dialog.choice(), ExportDialog::Choice::Matching);
        bool offered = false;
        for (QRadioButton *b : dialog.findChildren<QRadioButton *>())
            offered = offered || b->text() == QLatin1String("The 2 entries that match the filter");
        QVERIFY(offered);
        const QString path = m_dir.filePath(QStringLiteral("matching.jsonl"));
        dialog.pathEdit()->setText(path);
        const auto outcome = runDialog(dialog);
        QVERIFY(outcome && outcome->error.isEmpty());
        const QList<QByteArray> out = lines(path);
        QCOMPARE(out.size(), 2);
        QCOMPARE(idOf(out.at(0)), QByteArray("101-0"));
        QCOMPARE(idOf(out.at(1)), QByteArray("103-0"));
    }

private:
    LocalRedisServer m_server;
    std::unique_ptr<RedisConnection> m_c;
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestExport)
#include "tst_export.moc"
