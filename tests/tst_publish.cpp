// Publishing: the form's validation rejects each bad input with a message at the input and
// sends nothing (the server's command counts prove it); placeholders are filled per entry;
// repeat sends N at a rate and can be stopped; server errors come back verbatim with advice;
// templates load and save; read-only mode disables it all.
#include "Publish.h"
#include "PublishView.h"
#include "StreamTailer.h"
#include "TestRedis.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

#include <limits>

using namespace streamscope;
using namespace streamscope::test;

namespace {

void setRows(PublishView &view, const QList<QPair<QString, QString>> &rows) {
    QTableWidget *t = view.fieldTable();
    t->setRowCount(int(rows.size()));
    for (int r = 0; r < rows.size(); ++r) {
        t->setItem(r, 0, new QTableWidgetItem(rows.at(r).first));
        t->setItem(r, 1, new QTableWidgetItem(rows.at(r).second));
    }
    view.fieldTabs()->setCurrentIndex(0);
}

} // namespace

class TestPublish : public QObject {
    Q_OBJECT
private:
    // Fills a valid form for stream "s".
    void validForm(PublishView &view) {
        view.streamBox()->setCurrentText(QStringLiteral("s"));
        setRows(view, {{QStringLiteral("type"), QStringLiteral("test")},
                       {QStringLiteral("n"), QStringLiteral("{{seq}}")}});
        view.idEdit()->clear();
        view.trimBox()->setCurrentIndex(0);
        view.trimEdit()->clear();
        view.countBox()->setValue(1);
    }
    // Sends and waits for the outcome.
    std::optional<PublishJob::Outcome> sendAndWait(PublishView &view) {
        QSignalSpy done(&view, &PublishView::finished);
        if (!view.send())
            return std::nullopt;
        if (!done.wait(15000)) {
            QTest::qFail("the publish job did not finish", __FILE__, __LINE__);
            return std::nullopt;
        }
        return view.lastOutcome();
    }

private Q_SLOTS:
    void initTestCase() {
        registerCoreMetaTypes();
        STREAMSCOPE_START_REDIS(m_server);
        m_c = connectTo(m_server.settings());
    }
    void init() {
        run(*m_c, {"FLUSHALL"});
        run(*m_c, {"ACL", "DELUSER", "reader"});
    }

    void rejectsEachBadInput_data() {
        QTest::addColumn<QString>("what");
        QTest::addColumn<QString>("message");
        QTest::newRow("empty stream") << "stream"
                                      << "Name the stream";
        QTest::newRow("no fields") << "nofields"
                                   << "at least one field";
        QTest::newRow("empty field name") << "emptyname"
                                          << "Row 2: the field name is empty";
        QTest::newRow("malformed id") << "badid"
                                      << "ID:";
        QTest::newRow("zero id") << "zeroid"
                                 << "0-0 is not a valid entry ID";
        QTest::newRow("malformed maxlen") << "badmaxlen"
                                          << "MAXLEN: \"ten\"";
        QTest::newRow("negative maxlen") << "negmaxlen"
                                         << "MAXLEN: \"-5\"";
        QTest::newRow("malformed minid") << "badminid"
                                         << "MINID:";
        QTest::newRow("unknown placeholder") << "placeholder"
                                             << "unknown placeholder {{uid}}";
        QTest::newRow("bad randint") << "randint"
                                     << "{{randint A B}} needs two whole numbers";
        QTest::newRow("unclosed placeholder") << "unclosed"
                                              << "never closed";
        QTest::newRow("invalid json") << "badjson"
                                      << "JSON: not valid JSON";
        QTest::newRow("json array") << "jsonarray"
                                    << "paste a JSON object";
    }
    void rejectsEachBadInput() {
        QFETCH(QString, what);
        QFETCH(QString, message);
        PublishView view;
        view.setConnection(m_server.settings());
        validForm(view);
        if (what == QLatin1String("stream"))
            view.streamBox()->setCurrentText(QString());
        else if (what == QLatin1String("nofields"))
            setRows(view, {});
        else if (what == QLatin1String("emptyname"))
            setRows(view,
                    {{QStringLiteral("a"), QStringLiteral("1")}, {QString(), QStringLiteral("2")}});
        else if (what == QLatin1String("badid"))
            view.idEdit()->setText(QStringLiteral("12-x"));
        else if (what == QLatin1String("zeroid"))
            view.idEdit()->setText(QStringLiteral("0-0"));
        else if (what.endsWith(QLatin1String("maxlen"))) {
            view.trimBox()->setCurrentIndex(1);
            view.trimEdit()->setText(what.startsWith(QLatin1String("neg")) ? QStringLiteral("-5")
                                                                           : QStringLiteral("ten"));
        } else if (what == QLatin1String("badminid")) {
            view.trimBox()->setCurrentIndex(2);
            view.trimEdit()->setText(QStringLiteral("yesterday"));
        } else if (what == QLatin1String("placeholder"))
            setRows(view, {{QStringLiteral("id"), QStringLiteral("{{uid}}")}});
        else if (what == QLatin1String("randint"))
            setRows(view, {{QStringLiteral("n"), QStringLiteral("{{randint 1}}")}});
        else if (what == QLatin1String("unclosed"))
            setRows(view, {{QStringLiteral("n"), QStringLiteral("{{seq")}});
        else if (what.startsWith(QLatin1String("json"))) {
            view.fieldTabs()->setCurrentIndex(1);
            view.jsonEdit()->setPlainText(QStringLiteral("[1, 2]"));
        } else if (what == QLatin1String("badjson")) {
            view.fieldTabs()->setCurrentIndex(1);
            view.jsonEdit()->setPlainText(QStringLiteral("{\"a\": "));
        }
        const qint64 before = commandCalls(*m_c, "XADD");
        QVERIFY(!view.send());
        QVERIFY2(view.problemText().contains(message), qPrintable(view.problemText()));
        QCOMPARE(view.resultText(), QStringLiteral("Nothing was sent."));
        QCOMPARE(commandCalls(*m_c, "XADD"), before);
        QCOMPARE(run(*m_c, {"EXISTS", "s"}).integer(), 0);
        // The problem is marked at its input.
        if (what == QLatin1String("emptyname"))
            QCOMPARE(view.fieldTable()->item(1, 0)->toolTip(), view.problems().first().message);
        if (what == QLatin1String("badid"))
            QVERIFY(!view.idEdit()->styleSheet().isEmpty());
    }

    void idNotGreaterIsCaughtBeforeSending() {
        run(*m_c, {"XADD", "s", "100-5", "f", "v"});
        PublishView view;
        view.setConnection(m_server.settings());
        validForm(view);
        for (const char *id : {"100-5", "100-1", "99-*"}) {
            view.idEdit()->setText(QString::fromLatin1(id));
            const qint64 before = commandCalls(*m_c, "XADD");
            const auto outcome = sendAndWait(view);
            QVERIFY(outcome);
            QVERIFY(outcome->rejected);
            QCOMPARE(outcome->sent, 0);
            QVERIFY2(view.problemText().contains(QLatin1String("not greater than the stream's "
                                                               "last ID 100-5")),
                     qPrintable(view.problemText()));
            QCOMPARE(commandCalls(*m_c, "XADD"), before);
        }
        view.idEdit()->setText(QStringLiteral("100-6"));
        const auto ok = sendAndWait(view);
        QVERIFY(ok && ok->error.isEmpty());
        QCOMPARE(ok->lastId, QByteArray("100-6"));
    }

    void placeholdersAndJsonAreFilledPerEntry() {
        PublishView view;
        view.setConnection(m_server.settings());
        view.streamBox()->setCurrentText(QStringLiteral("p"));
        view.fieldTabs()->setCurrentIndex(1);
        view.jsonEdit()->setPlainText(QStringLiteral(
            "{\"z\": \"{{seq}}\", \"id\": \"{{uuid}}\", \"r\": \"{{randint 3 5}}\", "
            "\"at\": \"{{now}}\", \"ms\": \"{{nowms}}\", \"n\": 12, \"o\": {\"k\": [1, true]}}"));
        view.countBox()->setValue(20);
        view.rateBox()->setValue(0); // as fast as possible
        const auto outcome = sendAndWait(view);
        QVERIFY(outcome);
        QCOMPARE(outcome->sent, 20);
        const RedisReply entries = run(*m_c, {"XRANGE", "p", "-", "+"});
        QCOMPARE(entries.size(), 20);
        QSet<QByteArray> uuids;
        for (int i = 0; i < 20; ++i) {
            const RedisReply fields = entries.at(i).at(1);
            // Order as written: z, id, r, at, ms, n, o (JSON objects sort keys; we must not).
            QCOMPARE(fields.at(0).bytes(), QByteArray("z"));
            QCOMPARE(fields.at(1).bytes(), QByteArray::number(i + 1));
            QVERIFY(!QUuid::fromString(QString::fromLatin1(fields.at(3).bytes())).isNull());
            uuids.insert(fields.at(3).bytes());
            const int r = fields.at(5).bytes().toInt();
            QVERIFY(r >= 3 && r <= 5);
            QVERIFY(
                QDateTime::fromString(QString::fromLatin1(fields.at(7).bytes()), Qt::ISODateWithMs)
                    .isValid());
            QVERIFY(qAbs(fields.at(9).bytes().toLongLong() - QDateTime::currentMSecsSinceEpoch())
                    < 60000);
            QCOMPARE(fields.at(11).bytes(), QByteArray("12"));
            QCOMPARE(fields.at(13).bytes(), QByteArray("{\"k\":[1,true]}"));
        }
        QCOMPARE(uuids.size(), 20);
    }

    // Before: the widest range overflowed b - a and {{randint}} looped forever at 100 % CPU.
    void randintOverTheWholeRange_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<qint64>("low");
        QTest::addColumn<qint64>("high");
        constexpr qint64 min = std::numeric_limits<qint64>::min();
        constexpr qint64 max = std::numeric_limits<qint64>::max();
        QTest::newRow("all of qint64")
            << QByteArray("{{randint -9223372036854775808 9223372036854775807}}") << min << max;
        QTest::newRow("wider than qint64")
            << QByteArray("{{randint -1 9223372036854775807}}") << qint64(-1) << max;
        QTest::newRow("lowest only")
            << QByteArray("{{randint -9223372036854775808 -9223372036854775808}}") << min << min;
        QTest::newRow("highest only")
            << QByteArray("{{randint 9223372036854775807 9223372036854775807}}") << max << max;
        QTest::newRow("small") << QByteArray("{{randint -2 2}}") << qint64(-2) << qint64(2);
    }
    void randintOverTheWholeRange() {
        QFETCH(QByteArray, text);
        QFETCH(qint64, low);
        QFETCH(qint64, high);
        QVERIFY(Placeholders::check(text).isEmpty());
        Placeholders placeholders;
        QSet<qint64> seen;
        for (int i = 0; i < 1000; ++i) {
            bool ok = false;
            const qint64 n = placeholders.fill(text, i, 0).toLongLong(&ok);
            QVERIFY(ok);
            QVERIFY(n >= low && n <= high);
            seen.insert(n);
        }
        const quint64 span = quint64(high) - quint64(low);
        // Every value of a small range comes up; a wide one does not repeat in 1000 draws.
        QCOMPARE(quint64(seen.size()), qMin<quint64>(span, 999) + 1);
        // And it covers the range, not a corner of it: draws fall in both halves.
        auto inLowerHalf = [&](qint64 n) { return quint64(n) - quint64(low) <= span / 2; };
        if (span > 1000) {
            QVERIFY(std::any_of(seen.begin(), seen.end(), inLowerHalf));
            QVERIFY(!std::all_of(seen.begin(), seen.end(), inLowerHalf));
        }
    }

    // Every number typed is range-checked before anything is sent.
    void numbersAreRangeChecked_data() {
        QTest::addColumn<QByteArray>("id");
        QTest::addColumn<QByteArray>("maxlen");
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<QString>("message");
        QTest::newRow("ID past 2^64") << QByteArray("18446744073709551616-0") << QByteArray()
                                      << QByteArray("v") << "malformed stream ID";
        QTest::newRow("seq past 2^64") << QByteArray("1-18446744073709551616") << QByteArray()
                                       << QByteArray("v") << "malformed stream ID";
        QTest::newRow("negative ID")
            << QByteArray("-1") << QByteArray() << QByteArray("v") << "malformed stream ID";
        QTest::newRow("ID 1-") << QByteArray("1-") << QByteArray() << QByteArray("v")
                               << "malformed stream ID";
        QTest::newRow("ID -") << QByteArray("-") << QByteArray() << QByteArray("v")
                              << "malformed stream ID";
        QTest::newRow("MAXLEN past 2^63")
            << QByteArray() << QByteArray("9223372036854775808") << QByteArray("v") << "MAXLEN:";
        QTest::newRow("MAXLEN past 2^64")
            << QByteArray() << QByteArray("18446744073709551616") << QByteArray("v") << "MAXLEN:";
        QTest::newRow("randint past 2^63")
            << QByteArray() << QByteArray() << QByteArray("{{randint 0 9223372036854775808}}")
            << "{{randint A B}} needs two whole numbers";
        QTest::newRow("randint below -2^63")
            << QByteArray() << QByteArray() << QByteArray("{{randint -9223372036854775809 0}}")
            << "{{randint A B}} needs two whole numbers";
    }
    void numbersAreRangeChecked() {
        QFETCH(QByteArray, id);
        QFETCH(QByteArray, maxlen);
        QFETCH(QByteArray, value);
        QFETCH(QString, message);
        PublishRequest r;
        r.stream = "s";
        r.id = id;
        if (!maxlen.isEmpty()) {
            r.trim = PublishRequest::Trim::MaxLen;
            r.trimValue = maxlen;
        }
        r.fields.append({"f", value});
        const PublishProblems problems = validate(r);
        QCOMPARE(problems.size(), 1);
        QVERIFY2(problems.first().message.contains(message), qPrintable(problems.first().message));
        // The largest values that fit are accepted.
        r.id = "18446744073709551615-18446744073709551615";
        r.trimValue = "9223372036854775807";
        r.fields = {{"f", "{{randint -9223372036854775808 9223372036854775807}}"}};
        QVERIFY(validate(r).isEmpty());
    }

    void repeatAtARateWithProgressAndStop() {
        PublishView view;
        view.setConnection(m_server.settings());
        validForm(view);
        view.trimBox()->setCurrentIndex(1);
        view.trimEdit()->setText(QStringLiteral("30"));
        view.approximateBox()->setChecked(false);
        view.countBox()->setValue(50);
        view.rateBox()->setValue(100);
        QElapsedTimer timer;
        timer.start();
        const auto outcome = sendAndWait(view);
        QVERIFY(outcome);
        QCOMPARE(outcome->sent, 50);
        QVERIFY2(timer.elapsed() >= 400, qPrintable(QString::number(timer.elapsed()))); // 100/s
        QCOMPARE(view.progressBar()->value(), 50);
        QCOMPARE(run(*m_c, {"XLEN", "s"}).integer(), 30); // MAXLEN = 30, exact
        QVERIFY(view.resultText().contains(QLatin1String("Appended 50 entries")));

        // Stop part-way: fewer than asked, more than none, and it says so.
        view.countBox()->setValue(1000);
        view.rateBox()->setValue(50);
        view.trimBox()->setCurrentIndex(0);
        QSignalSpy done(&view, &PublishView::finished);
        QVERIFY(view.send());
        QVERIFY(view.isSending());
        QVERIFY(!view.sendButton()->isEnabled());
        QTest::qWait(300);
        view.stop();
        QVERIFY(done.wait(5000));
        QVERIFY(view.lastOutcome()->stopped);
        QVERIFY(view.lastOutcome()->sent > 0);
        QVERIFY(view.lastOutcome()->sent < 1000);
        QCOMPARE(run(*m_c, {"XLEN", "s"}).integer(), 30 + view.lastOutcome()->sent);
        QVERIFY(view.resultText().startsWith(QLatin1String("Stopped after")));
    }

    void serverErrorsVerbatimWithAdvice() {
        run(*m_c, {"SET", "str", "x"});
        PublishView view;
        view.setConnection(m_server.settings());
        validForm(view);
        view.streamBox()->setCurrentText(QStringLiteral("str"));
        auto outcome = sendAndWait(view);
        QVERIFY(outcome);
        QVERIFY2(outcome->error.startsWith(QLatin1String("WRONGTYPE Operation against a key "
                                                         "holding the wrong kind of value")),
                 qPrintable(outcome->error));
        QVERIFY(outcome->error.contains(QLatin1String("not a stream")));
        QVERIFY(view.resultText().contains(QLatin1String("WRONGTYPE")));

        // An ACL user without XADD: NOPERM, as the server says it.
        run(*m_c, {"ACL", "SETUSER", "reader", "on", ">pw", "~*", "+@all", "-xadd"});
        ConnectionSettings reader = m_server.settings();
        reader.user = QStringLiteral("reader");
        reader.password = QStringLiteral("pw");
        view.setConnection(reader);
        view.streamBox()->setCurrentText(QStringLiteral("s"));
        outcome = sendAndWait(view);
        QVERIFY(outcome);
        QVERIFY2(outcome->error.startsWith(QLatin1String("NOPERM")), qPrintable(outcome->error));
        QVERIFY(outcome->error.contains(QLatin1String("+xadd")));
        QCOMPARE(run(*m_c, {"EXISTS", "s"}).integer(), 0);
    }

    void templates() {
        const QList<PublishTemplate> builtIn = builtInTemplates();
        QStringList names;
        for (const PublishTemplate &t : builtIn)
            names << t.name;
        QCOMPARE(names, (QStringList{"order.created", "payment.completed"}));

        QTemporaryDir dir;
        QSettings store(dir.filePath(QStringLiteral("s.ini")), QSettings::IniFormat);
        PublishView view;
        view.setTemplateStore(&store);
        view.setConnection(m_server.settings());
        view.loadTemplate(builtIn.first());
        QCOMPARE(view.streamBox()->currentText(), QStringLiteral("order-events"));
        QCOMPARE(view.fieldTable()->item(0, 1)->text(), QStringLiteral("order.created"));
        // The shipped template is valid and sends.
        const auto outcome = sendAndWait(view);
        QVERIFY(outcome && outcome->error.isEmpty() && outcome->sent == 1);
        const RedisReply e = run(*m_c, {"XRANGE", "order-events", "-", "+"}).at(0).at(1);
        QCOMPARE(e.at(2).bytes(), QByteArray("orderId"));
        QVERIFY(e.at(3).bytes().toLongLong() >= 100000000);

        // A user's template survives a new view (it lives in the settings).
        setRows(view, {{QStringLiteral("kind"), QStringLiteral("mine")}});
        view.streamBox()->setCurrentText(QStringLiteral("mine"));
        QVERIFY(view.saveTemplate(QStringLiteral("my event")));
        PublishView other;
        other.setTemplateStore(&store);
        QCOMPARE(other.templates().size(), 3);
        const PublishTemplate mine = other.templates().last();
        QCOMPARE(mine.name, QStringLiteral("my event"));
        QCOMPARE(mine.stream, QByteArray("mine"));
        QCOMPARE(mine.fields, (FieldList{{"kind", "mine"}}));
    }

    void copyEntryIntoForm() {
        PublishView view;
        view.loadEntry(StreamEntry::make("orders", {5, 1}, {"a", "1", "b", "two"}));
        QCOMPARE(view.streamBox()->currentText(), QStringLiteral("orders"));
        QCOMPARE(view.fieldTable()->rowCount(), 2);
        QCOMPARE(view.fieldTable()->item(1, 1)->text(), QStringLiteral("two"));
        PublishProblems problems;
        QCOMPARE(view.request(&problems).fields, (FieldList{{"a", "1"}, {"b", "two"}}));
    }

    void readOnlyDisablesPublishing() {
        ConnectionSettings ro = m_server.settings();
        ro.readOnly = true;
        PublishView view;
        view.setConnection(ro);
        validForm(view);
        QVERIFY(!view.sendButton()->isEnabled());
        QVERIFY(!view.send());
        // And core refuses on its own, whatever a caller does.
        const qint64 before = commandCalls(*m_c, "XADD");
        PublishProblems problems;
        PublishThread job(ro, view.request(&problems), 1, 0);
        QSignalSpy done(job.job(), &PublishJob::done);
        job.start();
        QVERIFY(done.wait(5000));
        const auto outcome = done.first().first().value<PublishJob::Outcome>();
        QCOMPARE(outcome.sent, 0);
        QVERIFY2(outcome.error.contains(QLatin1String("read-only")), qPrintable(outcome.error));
        QCOMPARE(commandCalls(*m_c, "XADD"), before);
    }

private:
    LocalRedisServer m_server;
    std::unique_ptr<RedisConnection> m_c;
};

QTEST_MAIN(TestPublish)
#include "tst_publish.moc"
