// The console: redis-cli's quoting (CommandLine), redis-cli's reply text (ReplyText, bounded),
// and the Console tab against a real server: round trips, errors in red, read-only refusals
// from the client, history, a bounded huge reply, cancelling a slow command, a timeout, and the
// commands it refuses instead of hanging.
#include "CommandLine.h"
#include "ConsoleView.h"
#include "ConsoleWorker.h"
#include "LocalRedisCluster.h"
#include "Palette.h"
#include "ReplyText.h"
#include "StreamTailer.h"
#include "TestCluster.h"
#include "TestRedis.h"

#include <QElapsedTimer>
#include <QFontDatabase>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <QTextBlock>

using namespace streamscope;
using namespace streamscope::test;

Q_DECLARE_METATYPE(streamscope::RedisReply)

namespace {

RedisReply arr(std::vector<RedisReply> elements) {
    return RedisReply::array(std::move(elements));
}
RedisReply str(const char *text) {
    return RedisReply::string(QByteArray(text));
}

// The colour of the transcript's last block whose text starts with prefix (invalid: none).
QColor colourOfLine(const ConsoleView &view, const QString &prefix) {
    QColor found;
    for (QTextBlock b = view.transcriptView()->document()->begin(); b.isValid(); b = b.next())
        if (b.text().startsWith(prefix)) {
            const auto fragment = b.begin().fragment();
            found = fragment.isValid() ? fragment.charFormat().foreground().color() : QColor();
        }
    return found;
}

} // namespace

class TestConsole : public QObject {
    Q_OBJECT
private:
    // DEBUG SLEEP stands for a slow command.
    LocalRedisServer m_server{{false, {"--enable-debug-command", "yes"}}};
    std::unique_ptr<RedisConnection> m_c;

    // Runs line in the view and waits for its reply; the transcript after it.
    QString run(ConsoleView &view, const QString &line, int timeoutMs = 15000) {
        QSignalSpy done(&view, &ConsoleView::commandFinished);
        view.runCommand(line);
        if (done.isEmpty() && !done.wait(timeoutMs))
            QTest::qFail(qPrintable(QStringLiteral("no reply to: ") + line), __FILE__, __LINE__);
        return view.transcript();
    }

private Q_SLOTS:
    void initTestCase() {
        registerCoreMetaTypes();
        STREAMSCOPE_START_REDIS(m_server);
        m_c = connectTo(m_server.settings());
    }
    void init() { streamscope::test::run(*m_c, {"FLUSHALL"}); }

    // --- CommandLine -----------------------------------------------------------------------

    void splits_data() {
        QTest::addColumn<QString>("line");
        QTest::addColumn<QList<QByteArray>>("args");
        using L = QList<QByteArray>;
        QTest::newRow("plain") << "SET a b" << L{"SET", "a", "b"};
        QTest::newRow("blank") << "   " << L{};
        QTest::newRow("spaces and tabs") << "  GET \t key  " << L{"GET", "key"};
        QTest::newRow("double quotes") << "SET k \"hello world\"" << L{"SET", "k", "hello world"};
        QTest::newRow("empty quotes") << "SET k \"\"" << L{"SET", "k", ""};
        QTest::newRow("escapes") << "SET k \"a\\nb\\rc\\td\\be\\af\\\\g\\\"h\""
                                 << L{"SET", "k", "a\nb\rc\td\be\af\\g\"h"};
        QTest::newRow("hex") << "SET k \"\\x41\\x00\\xff\\xZZ\""
                             << L{"SET", "k", QByteArray("A\0\xff", 3) + "xZZ"};
        QTest::newRow("other escape is the char") << "SET k \"\\q\"" << L{"SET", "k", "q"};
        QTest::newRow("single quotes literal")
            << "SET k 'a\\nb \"c\"'" << L{"SET", "k", "a\\nb \"c\""};
        QTest::newRow("single quote escaped") << "SET k 'it\\'s'" << L{"SET", "k", "it's"};
        QTest::newRow("quote inside a word") << "SET k\"ey\" v" << L{"SET", "key", "v"};
        QTest::newRow("unquoted backslash") << "SET a\\nb v" << L{"SET", "a\\nb", "v"};
        QTest::newRow("utf-8") << QStringLiteral("SET k \"caf\u00e9\"")
                               << L{"SET", "k", QStringLiteral("caf\u00e9").toUtf8()};
    }
    void splits() {
        QFETCH(QString, line);
        QFETCH(QList<QByteArray>, args);
        auto split = splitCommandLine(line);
        QVERIFY2(split.ok(), qPrintable(split.error().message));
        QCOMPARE(split.value(), args);
    }

    void splitErrors_data() {
        QTest::addColumn<QString>("line");
        QTest::addColumn<QString>("message");
        QTest::newRow("unclosed double") << "SET k \"abc"
                                         << "the double quote at column 7 is not closed";
        QTest::newRow("unclosed single") << "SET k 'abc"
                                         << "the single quote at column 7 is not closed";
        QTest::newRow("escaped closing") << "SET k \"abc\\\""
                                         << "the double quote at column 7 is not closed";
        QTest::newRow("text after double") << "SET \"k\"x v"
                                           << "the double quote closed at column 7 is followed "
                                              "by \"x\": put a space after it";
        QTest::newRow("text after single") << "SET 'k'x v"
                                           << "the single quote closed at column 7 is followed "
                                              "by \"x\"";
    }
    void splitErrors() {
        QFETCH(QString, line);
        QFETCH(QString, message);
        auto split = splitCommandLine(line);
        QVERIFY(!split.ok());
        QCOMPARE(split.error().kind, Error::Kind::InvalidArgument);
        QVERIFY2(split.error().message.startsWith(QLatin1String("Invalid argument(s): ")),
                 qPrintable(split.error().message));
        QVERIFY2(split.error().message.contains(message), qPrintable(split.error().message));
    }

    // --- ReplyText -------------------------------------------------------------------------

    void formats_data() {
        QTest::addColumn<RedisReply>("reply");
        QTest::addColumn<QString>("text");
        QTest::newRow("integer") << RedisReply::integer(5) << "(integer) 5";
        QTest::newRow("negative") << RedisReply::integer(-12) << "(integer) -12";
        QTest::newRow("nil") << RedisReply::nil() << "(nil)";
        QTest::newRow("status") << RedisReply::status("OK") << "OK";
        QTest::newRow("error") << RedisReply::error("ERR unknown command 'FOO'")
                               << "(error) ERR unknown command 'FOO'";
        QTest::newRow("string") << str("value") << "\"value\"";
        QTest::newRow("escapes") << RedisReply::string(
            QByteArray("a\"b\\c\nd\re\tf\x01\xc3\xa9", 14))
                                 << "\"a\\\"b\\\\c\\nd\\re\\tf\\x01\\xc3\\xa9\"";
        QTest::newRow("empty string") << str("") << "\"\"";
        QTest::newRow("empty array") << arr({}) << "(empty array)";
        QTest::newRow("flat") << arr({str("a"), RedisReply::integer(2), RedisReply::nil()})
                              << "1) \"a\"\n2) (integer) 2\n3) (nil)";
        QTest::newRow("nested") << arr(
            {arr({str("1-0"), arr({str("f"), str("v")})}), arr({}), str("x")})
                                << "1) 1) \"1-0\"\n"
                                   "   2) 1) \"f\"\n"
                                   "      2) \"v\"\n"
                                   "2) (empty array)\n"
                                   "3) \"x\"";
        std::vector<RedisReply> ten;
        for (int i = 0; i < 10; ++i)
            ten.push_back(RedisReply::integer(i));
        ten.back() = arr({str("a"), str("b")});
        QTest::newRow("width of indexes") << arr(ten)
                                          << " 1) (integer) 0\n 2) (integer) 1\n 3) (integer) 2\n"
                                             " 4) (integer) 3\n 5) (integer) 4\n 6) (integer) 5\n"
                                             " 7) (integer) 6\n 8) (integer) 7\n 9) (integer) 8\n"
                                             "10) 1) \"a\"\n    2) \"b\"";
        QTest::newRow("error inside")
            << arr({RedisReply::status("OK"), RedisReply::error("WRONGTYPE Operation")})
            << "1) OK\n2) (error) WRONGTYPE Operation";
    }
    void formats() {
        QFETCH(RedisReply, reply);
        QFETCH(QString, text);
        const ReplyText formatted = formatReply(reply);
        QCOMPARE(formatted.text, text);
        QVERIFY(!formatted.truncated);
    }

    void boundsHugeReply() {
        // 20,000 XRANGE-shaped entries: a few lines shown, the rest counted, not walked.
        std::vector<RedisReply> entries;
        for (int i = 0; i < 20000; ++i)
            entries.push_back(
                arr({RedisReply::string(QByteArray::number(i) + "-0"), arr({str("n"), str("1")})}));
        ReplyTextLimits limits;
        limits.maxLines = 100;
        const ReplyText formatted = formatReply(arr(std::move(entries)), limits);
        QVERIFY(formatted.truncated);
        QVERIFY2(formatted.lines <= 102, qPrintable(QString::number(formatted.lines)));
        QVERIFY(formatted.text.startsWith(QLatin1String("    1) 1) \"0-0\"\n")));
        QVERIFY2(formatted.text.endsWith(
                     QLatin1String("   34) 1) \"33-0\"\n       ... (1 more element not shown)\n"
                                   "... (19,966 more elements not shown)")),
                 qPrintable(formatted.text.right(200)));

        // Cut inside a nested array: each level says what it left out.
        limits.maxLines = 3;
        const ReplyText nested =
            formatReply(arr({arr({str("a"), str("b"), str("c"), str("d")}), str("e")}), limits);
        QCOMPARE(nested.text, QStringLiteral("1) 1) \"a\"\n   2) \"b\"\n   3) \"c\"\n"
                                             "   ... (1 more element not shown)\n"
                                             "... (1 more element not shown)"));

        // A long string: its start, and how much more.
        limits = ReplyTextLimits();
        limits.maxStringChars = 10;
        const ReplyText longString = formatReply(RedisReply::string(QByteArray(5000, 'x')), limits);
        QCOMPARE(longString.text, QStringLiteral("\"xxxxxxxxxx\"... (4,990 more bytes not shown)"));
        QVERIFY(longString.truncated);
    }

    // --- What the console refuses, and how long it waits ---------------------------------

    void refusals_data() {
        QTest::addColumn<QString>("line");
        QTest::addColumn<QString>("refusal"); // empty: sent
        QTest::addColumn<int>("timeoutMs");
        QTest::newRow("get") << "GET k"
                             << "" << 1000;
        QTest::newRow("monitor") << "monitor"
                                 << "MONITOR streams every command" << 1000;
        QTest::newRow("subscribe") << "SUBSCRIBE news"
                                   << "SUBSCRIBE waits for messages" << 1000;
        QTest::newRow("psubscribe") << "PSUBSCRIBE n*"
                                    << "PSUBSCRIBE waits" << 1000;
        QTest::newRow("ssubscribe") << "SSUBSCRIBE n"
                                    << "SSUBSCRIBE waits" << 1000;
        QTest::newRow("blpop 0") << "BLPOP q 0"
                                 << "BLPOP with timeout 0 waits for ever" << 1000;
        QTest::newRow("blpop 2.5") << "BLPOP q 2.5"
                                   << "" << 3500;
        QTest::newRow("blmove 0") << "BLMOVE a b LEFT RIGHT 0"
                                  << "BLMOVE with timeout 0" << 1000;
        QTest::newRow("bzmpop 0") << "BZMPOP 0 1 z MIN"
                                  << "BZMPOP with timeout 0 waits for ever for an element: give a "
                                     "timeout in seconds instead, e.g. BZMPOP 5 1 z MIN"
                                  << 1000;
        QTest::newRow("xread block 0") << "XREAD BLOCK 0 STREAMS s $"
                                       << "XREAD with BLOCK 0 waits for ever" << 1000;
        QTest::newRow("xread block 5000") << "XREAD BLOCK 5000 STREAMS s $"
                                          << "" << 6000;
        QTest::newRow("xread no block") << "XREAD STREAMS s 0"
                                        << "" << 1000;
        QTest::newRow("xreadgroup block 0") << "XREADGROUP GROUP g c BLOCK 0 STREAMS s >"
                                            << "XREADGROUP with BLOCK 0" << 1000;
        QTest::newRow("wait for no replica") << "WAIT 0 0"
                                             << "" << 1000;
        QTest::newRow("waitaof 0") << "WAITAOF 1 0 0"
                                   << "WAITAOF with timeout 0" << 1000;
        QTest::newRow("wait 0") << "WAIT 1 0"
                                << "WAIT with timeout 0" << 1000;
        QTest::newRow("client reply off") << "CLIENT REPLY OFF"
                                          << "CLIENT REPLY OFF" << 1000;
        QTest::newRow("hello 3") << "HELLO 3"
                                 << "RESP2" << 1000;
        QTest::newRow("hello 2") << "HELLO 2"
                                 << "" << 1000;
        QTest::newRow("sync") << "SYNC"
                              << "replication" << 1000;
    }
    void refusals() {
        QFETCH(QString, line);
        QFETCH(QString, refusal);
        QFETCH(int, timeoutMs);
        const Command args = splitCommandLine(line).value();
        const QString why = consoleRefusal(args);
        if (refusal.isEmpty())
            QVERIFY2(why.isEmpty(), qPrintable(why));
        else
            QVERIFY2(why.contains(refusal), qPrintable(why));
        QCOMPARE(consoleTimeoutMs(args, 1000), timeoutMs);
    }

    // --- The view against a real server ---------------------------------------------------

    void notConnected() {
        ConsoleView view;
        QVERIFY(!view.input()->isEnabled());
        QCOMPARE(view.input()->placeholderText(), QStringLiteral("Not connected"));
        view.runCommand(QStringLiteral("PING"));
        QVERIFY(!view.transcript().contains(QLatin1String("PING")));
        view.setConnection(m_server.settings());
        QVERIFY(view.input()->isEnabled());
        run(view, QStringLiteral("PING"));
        view.setConnection(std::nullopt);
        QVERIFY(!view.input()->isEnabled());
        QVERIFY(view.transcript().endsWith(QLatin1String("PONG\nDisconnected.")));
        // Back on the same server, the transcript stays.
        view.setConnection(m_server.settings());
        QVERIFY(view.transcript().contains(QLatin1String("PONG\nDisconnected.")));
    }

    void roundTrip() {
        ConsoleView view;
        view.setConnection(m_server.settings());
        QString text = run(view, QStringLiteral("SET greeting \"hello world\""));
        QVERIFY2(text.endsWith(QLatin1String("> SET greeting \"hello world\"\nOK")),
                 qPrintable(text));
        text = run(view, QStringLiteral("GET greeting"));
        QVERIFY2(text.endsWith(QLatin1String("> GET greeting\n\"hello world\"")), qPrintable(text));
        QCOMPARE(streamscope::test::run(*m_c, {"GET", "greeting"}).bytes(),
                 QByteArray("hello world"));
        text = run(view, QStringLiteral("GET missing"));
        QVERIFY(text.endsWith(QLatin1String("\n(nil)")));
        text = run(view, QStringLiteral("RPUSH list a b"));
        QVERIFY(text.endsWith(QLatin1String("\n(integer) 2")));
        text = run(view, QStringLiteral("LRANGE list 0 -1"));
        QVERIFY(text.endsWith(QLatin1String("\n1) \"a\"\n2) \"b\"")));
        // The reply is in a monospace font, and the prompt names the server.
        QCOMPARE(view.transcriptView()->font(),
                 QFontDatabase::systemFont(QFontDatabase::FixedFont));
        QVERIFY(text.contains(m_server.settings().endpoint() + QLatin1String("> GET greeting")));
        // SELECT moves the prompt, as redis-cli's does.
        text = run(view, QStringLiteral("SELECT 2"));
        text = run(view, QStringLiteral("DBSIZE"));
        QVERIFY2(text.endsWith(QLatin1String("[2]> DBSIZE\n(integer) 0")), qPrintable(text));
    }

    void typedWithEnter() {
        ConsoleView view;
        view.setConnection(m_server.settings());
        view.show();
        QSignalSpy done(&view, &ConsoleView::commandFinished);
        QTest::keyClicks(view.input(), QStringLiteral("ping"));
        QTest::keyClick(view.input(), Qt::Key_Return);
        QVERIFY(done.wait(10000));
        QVERIFY2(view.transcript().endsWith(QLatin1String("> ping\nPONG")),
                 qPrintable(view.transcript()));
        QVERIFY(view.input()->text().isEmpty());
        // Enter while the completion popup is open sends what was typed.
        QTest::keyClicks(view.input(), QStringLiteral("set"));
        QTest::keyClick(view.input(), Qt::Key_Return);
        QVERIFY(done.wait(10000));
        QVERIFY2(view.transcript().endsWith(QLatin1String(
                     "> set\n(error) ERR wrong number of arguments for 'set' command")),
                 qPrintable(view.transcript()));
    }

    void errorsInRed() {
        ConsoleView view;
        view.setConnection(m_server.settings());
        const QString text = run(view, QStringLiteral("NOSUCHCOMMAND a b"));
        QVERIFY2(text.contains(QLatin1String("\n(error) ERR unknown command 'NOSUCHCOMMAND'")),
                 qPrintable(text));
        QCOMPARE(colourOfLine(view, QStringLiteral("(error) ERR unknown command")),
                 toneColour(Tone::Critical));
        // A quoting mistake is said before anything is sent, in red too.
        const QString quoting = run(view, QStringLiteral("SET k \"abc"));
        QVERIFY(quoting.endsWith(QLatin1String("(error) Invalid argument(s): the double quote at "
                                               "column 7 is not closed: add a closing \" (write "
                                               "\\\" for a quote inside the text)")));
        QCOMPARE(colourOfLine(view, QStringLiteral("(error) Invalid argument(s)")),
                 toneColour(Tone::Critical));
        // A successful reply is not red.
        run(view, QStringLiteral("PING"));
        QVERIFY(colourOfLine(view, QStringLiteral("PONG")) != toneColour(Tone::Critical));
    }

    void readOnlyRefusesWrites() {
        ConnectionSettings settings = m_server.settings();
        settings.readOnly = true;
        ConsoleView view;
        view.setConnection(settings);
        view.setReadOnly(true);
        QVERIFY(view.hintLabel()->text().contains(QLatin1String("Read-only")));
        const qint64 setsBefore = commandCalls(*m_c, "set");
        const QString text = run(view, QStringLiteral("SET k v"));
        QVERIFY2(text.contains(QLatin1String("(error) read-only mode: SET would change data on "))
                     && text.contains(QLatin1String("so it was not sent")),
                 qPrintable(text));
        QCOMPARE(colourOfLine(view, QStringLiteral("(error) read-only mode")),
                 toneColour(Tone::Critical));
        QVERIFY(streamscope::test::run(*m_c, {"GET", "k"}).isNil());
        QCOMPARE(commandCalls(*m_c, "set"), setsBefore);
        // Reads still work.
        QVERIFY(run(view, QStringLiteral("GET k")).endsWith(QLatin1String("\n(nil)")));
        streamscope::test::run(*m_c, {"XADD", "s", "1-1", "f", "v"});
        QVERIFY(run(view, QStringLiteral("XLEN s")).endsWith(QLatin1String("(integer) 1")));
    }

    void readOnlySwitchedInPlace() {
        // The session's switch: the console's connection consults it on every command, so
        // toggling it refuses or allows writes at once, on the same connection.
        ConnectionSettings settings = m_server.settings();
        settings.readOnlySwitch = std::make_shared<std::atomic<bool>>(true);
        ConsoleView view;
        view.setConnection(settings);
        QVERIFY(view.hintLabel()->text().contains(QLatin1String("Read-only")));
        const QString id = run(view, QStringLiteral("CLIENT ID")).section(QLatin1Char('\n'), -1);
        QVERIFY2(id.startsWith(QLatin1String("(integer) ")), qPrintable(id));
        QVERIFY(run(view, QStringLiteral("SET k v"))
                    .contains(QLatin1String("(error) read-only mode: SET would change data")));
        QVERIFY(run(view, QStringLiteral("GET k")).endsWith(QLatin1String("\n(nil)")));
        settings.readOnlySwitch->store(false);
        view.setReadOnly(false);
        QVERIFY(!view.hintLabel()->text().contains(QLatin1String("Read-only")));
        QVERIFY(run(view, QStringLiteral("SET k v")).endsWith(QLatin1String("\nOK")));
        QVERIFY(run(view, QStringLiteral("CLIENT ID")).endsWith(QLatin1Char('\n') + id));
        settings.readOnlySwitch->store(true);
        QVERIFY(run(view, QStringLiteral("DEL k"))
                    .contains(QLatin1String("(error) read-only mode: DEL would change data")));
        QCOMPARE(streamscope::test::run(*m_c, {"GET", "k"}).bytes(), QByteArray("v"));
    }

    void history() {
        ConsoleView view;
        view.setConnection(m_server.settings());
        run(view, QStringLiteral("SET a 1"));
        run(view, QStringLiteral("GET a"));
        run(view, QStringLiteral("GET a")); // a repeat is kept once
        QCOMPARE(view.history(), QStringList({"SET a 1", "GET a"}));
        QLineEdit *input = view.input();
        input->setText(QStringLiteral("draft"));
        QTest::keyClick(input, Qt::Key_Up);
        QCOMPARE(input->text(), QStringLiteral("GET a"));
        QTest::keyClick(input, Qt::Key_Up);
        QCOMPARE(input->text(), QStringLiteral("SET a 1"));
        QTest::keyClick(input, Qt::Key_Up); // the oldest stays
        QCOMPARE(input->text(), QStringLiteral("SET a 1"));
        QTest::keyClick(input, Qt::Key_Down);
        QCOMPARE(input->text(), QStringLiteral("GET a"));
        QTest::keyClick(input, Qt::Key_Down); // back to what was being typed
        QCOMPARE(input->text(), QStringLiteral("draft"));
        // "clear", as in redis-cli, empties the transcript (and is no server command).
        run(view, QStringLiteral("clear"));
        QVERIFY(view.transcript().isEmpty());
        // Kept across connections (in memory only), the transcript of another server is not.
        LocalRedisServer other;
        STREAMSCOPE_START_REDIS(other);
        view.setConnection(other.settings());
        QCOMPARE(view.history(), QStringList({"SET a 1", "GET a", "clear"}));
        QVERIFY(!view.transcript().contains(QLatin1String("GET a")));
        QVERIFY(view.transcript().contains(other.settings().displayUrl()));
    }

    void completion() {
        ConsoleView view;
        view.setConnection(m_server.settings());
        // The server's own list (COMMAND LIST) replaces the built-in one.
        QSignalSpy names(&view, &ConsoleView::commandNamesChanged);
        QVERIFY(names.wait(10000));
        QVERIFY(view.commandNames().contains(QStringLiteral("XAUTOCLAIM")));
        QVERIFY(view.commandNames().contains(QStringLiteral("LCS"))); // not in the built-in list
        QVERIFY(!builtInCommandNames().contains(QStringLiteral("LCS")));
        view.show();
        QTest::keyClicks(view.input(), QStringLiteral("xautoc"));
        QTest::keyClick(view.input(), Qt::Key_Tab);
        QCOMPARE(view.input()->text(), QStringLiteral("XAUTOCLAIM "));
        view.input()->setText(QStringLiteral("xinf"));
        QTest::keyClick(view.input(), Qt::Key_Tab);
        QCOMPARE(view.input()->text(), QStringLiteral("XINFO "));
        // COMMAND is a read: in read-only mode too.
        ConnectionSettings ro = m_server.settings();
        ro.readOnly = true;
        ConsoleView readOnly;
        QSignalSpy roNames(&readOnly, &ConsoleView::commandNamesChanged);
        readOnly.setConnection(ro);
        QVERIFY(roNames.wait(10000));
        QVERIFY(readOnly.commandNames().contains(QStringLiteral("LCS")));
    }

    void refusesInsteadOfHanging() {
        ConsoleView view;
        view.setConnection(m_server.settings());
        QString text = run(view, QStringLiteral("SUBSCRIBE news"));
        QVERIFY2(text.endsWith(QLatin1String("(refused) SUBSCRIBE waits for messages for ever, "
                                             "and the console shows one reply per command: use "
                                             "redis-cli in a terminal to listen, or PUBSUB "
                                             "CHANNELS and PUBSUB NUMSUB to see who publishes "
                                             "and listens.")),
                 qPrintable(text));
        QCOMPARE(colourOfLine(view, QStringLiteral("(refused) SUBSCRIBE")),
                 toneColour(Tone::Critical));
        text = run(view, QStringLiteral("monitor"));
        QVERIFY(text.contains(QLatin1String("(refused) MONITOR streams every command")));
        text = run(view, QStringLiteral("BLPOP queue 0"));
        QVERIFY2(text.endsWith(QLatin1String("(refused) BLPOP with timeout 0 waits for ever for an "
                                             "element: give a timeout in seconds instead, e.g. "
                                             "BLPOP queue 5")),
                 qPrintable(text));
        QVERIFY(!view.isRunning());
        // With a timeout it blocks that long, and no longer.
        QElapsedTimer clock;
        clock.start();
        text = run(view, QStringLiteral("BLPOP queue 0.3"));
        QVERIFY2(text.endsWith(QLatin1String("> BLPOP queue 0.3\n(nil)")), qPrintable(text));
        QCOMPARE(commandCalls(*m_c, "monitor"), 0);
        QCOMPARE(commandCalls(*m_c, "subscribe"), 0);
    }

    void boundsHugeReplyInView() {
        // 20,000 entries in one XRANGE: the view shows a bounded part and says so.
        addEntries(*m_c, "big", 0, 20000);
        ConsoleView view;
        view.setConnection(m_server.settings());
        QElapsedTimer clock;
        clock.start();
        const QString text = run(view, QStringLiteral("XRANGE big - +"), 30000);
        QVERIFY2(text.contains(QLatin1String("more elements not shown)")),
                 qPrintable(text.right(300)));
        QVERIFY(text.contains(QLatin1String("The console shows at most 1,000 lines of a reply")));
        QVERIFY2(view.transcriptView()->document()->blockCount() < 1100,
                 qPrintable(QString::number(view.transcriptView()->document()->blockCount())));
        QVERIFY(text.contains(QLatin1String("1) 1) \"")));
    }

    void cancelsSlowCommand() {
        ConsoleView view;
        view.setConnection(m_server.settings());
        QVERIFY(!view.cancelButton()->isEnabled());
        QSignalSpy done(&view, &ConsoleView::commandFinished);
        view.runCommand(QStringLiteral("DEBUG SLEEP 5"));
        QVERIFY(view.isRunning());
        QVERIFY(view.cancelButton()->isEnabled());
        QTest::qWait(300); // under way on the server
        QElapsedTimer clock;
        clock.start();
        view.cancelButton()->click();
        QVERIFY(done.wait(3000));
        QVERIFY2(clock.elapsed() < 1000, qPrintable(QString::number(clock.elapsed())));
        QVERIFY2(view.transcript().contains(QLatin1String("\n(cancelled) cancelled")),
                 qPrintable(view.transcript()));
        QVERIFY(!view.isRunning());
        QVERIFY(!view.cancelButton()->isEnabled());
        // Esc in the input cancels too.
        view.runCommand(QStringLiteral("DEBUG SLEEP 1"));
        QTest::qWait(100);
        QTest::keyClick(view.input(), Qt::Key_Escape);
        QVERIFY(done.wait(3000));
        QVERIFY2(view.transcript().endsWith(QLatin1String("> DEBUG SLEEP 1\n(cancelled) cancelled: "
                                                          "the connection was closed (the server "
                                                          "may still finish the command); the next "
                                                          "command opens a new one")),
                 qPrintable(view.transcript()));
        // The next command opens a new connection (and waits for the server to wake up).
        QVERIFY(run(view, QStringLiteral("PING"), 10000).endsWith(QLatin1String("\nPONG")));
    }

    void workerCancelsQueuedAndKeepsDatabase() {
        // A queued command cancelled before it starts is never sent; after a SELECT, the
        // connection that replaces a dropped one uses the selected database too.
        ConsoleRunner runner(m_server.settings());
        QSignalSpy replies(runner.worker(), &ConsoleWorker::replied);
        auto reply = [&](int i) { return replies.at(i).at(0).value<ConsoleReply>(); };
        runner.run({"SELECT", "3"}, 5000);
        runner.run({"SET", "in3", "yes"}, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(replies.size(), 2, 5000);
        QCOMPARE(reply(1).text, QStringLiteral("OK"));
        QCOMPARE(reply(1).db, 3);
        const qint64 echoes = commandCalls(*m_c, "echo");
        const int slow = runner.run({"DEBUG", "SLEEP", "1"}, 5000);
        const int queued = runner.run({"ECHO", "never"}, 5000);
        runner.cancel(queued);
        QTest::qWait(200);
        runner.cancel(slow);
        QTRY_COMPARE_WITH_TIMEOUT(replies.size(), 4, 5000);
        QCOMPARE(reply(2).request, slow);
        QCOMPARE(reply(2).outcome, ConsoleReply::Outcome::Cancelled);
        QCOMPARE(reply(3).request, queued);
        QCOMPARE(reply(3).outcome, ConsoleReply::Outcome::Cancelled);
        QCOMPARE(reply(3).text, QStringLiteral("(cancelled) cancelled before it was sent"));
        runner.run({"GET", "in3"}, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(replies.size(), 5, 5000);
        QCOMPARE(reply(4).text, QStringLiteral("\"yes\""));
        QCOMPARE(reply(4).db, 3);
        QCOMPARE(commandCalls(*m_c, "echo"), echoes);
    }

    void timesOut() {
        ConsoleView view;
        view.setCommandTimeout(1000);
        view.setConnection(m_server.settings());
        QElapsedTimer clock;
        clock.start();
        const QString text = run(view, QStringLiteral("DEBUG SLEEP 2"), 5000);
        QVERIFY2(clock.elapsed() < 1800, qPrintable(QString::number(clock.elapsed())));
        QVERIFY2(text.contains(QLatin1String("> DEBUG SLEEP 2\n(error) no answer within 1 s (")),
                 qPrintable(text));
        QCOMPARE(colourOfLine(view, QStringLiteral("(error) no answer")),
                 toneColour(Tone::Critical));
        QVERIFY(text.contains(QLatin1String("the connection was closed")));
        QVERIFY(run(view, QStringLiteral("PING"), 10000).endsWith(QLatin1String("\nPONG")));
    }

    void routesOnCluster() {
        LocalRedisCluster::Options options;
        options.replicasPerPrimary = 0;
        LocalRedisCluster cluster(options);
        const Error started = cluster.start();
        QVERIFY2(!started,
                 qPrintable(QStringLiteral("cannot start the test cluster: ") + started.message));
        auto admin = openCluster(cluster.settings(0));
        QVERIFY(admin);
        const QString seed = cluster.settings(0).endpoint();
        QString remote;
        for (const QString &p : admin->primaries())
            if (p != seed)
                remote = p;
        const QByteArray key = keyOn(*admin, remote, "console");
        const QByteArray list = keyOn(*admin, remote, "list");
        QVERIFY(!key.isEmpty() && !list.isEmpty());

        ConsoleView view;
        view.setConnection(cluster.settings(0));
        // A key on another primary than the one in the URL: the client routes it.
        QVERIFY(run(view, QStringLiteral("SET %1 v").arg(QString::fromUtf8(key)))
                    .endsWith(QLatin1String("\nOK")));
        QVERIFY(run(view, QStringLiteral("GET %1").arg(QString::fromUtf8(key)))
                    .endsWith(QLatin1String("\n\"v\"")));
        // A command the client has no key table for: the server names its keys (COMMAND
        // GETKEYS) and it goes to their node.
        QString text = run(view, QStringLiteral("LPUSH %1 a b").arg(QString::fromUtf8(list)));
        QVERIFY2(text.endsWith(QLatin1String("\n(integer) 2")), qPrintable(text));
        auto pushed = admin->commandOn(remote, {"LLEN", list});
        QVERIFY(pushed.ok());
        QCOMPARE(pushed->integer(), 2);
        // Keys of different slots: said before anything is sent.
        text = run(view,
                   QStringLiteral("MGET %1 %2")
                       .arg(QString::fromUtf8(key), QString::fromUtf8(keyOn(*admin, seed, "o"))));
        QVERIFY2(text.contains(QLatin1String("(error) cluster mode: MGET names keys of different "
                                             "hash slots")),
                 qPrintable(text));
        // A command on one node's data: every primary answers, under its name.
        text = run(view, QStringLiteral("DBSIZE"));
        for (const QString &p : admin->primaries())
            QVERIFY2(text.contains(p + QLatin1String(":\n(integer) ")), qPrintable(text));
    }
    void newConnectionDropsOldWorker() {
        // A command under way on the old connection never writes into the new transcript, and
        // switching does not wait for it.
        ConsoleView view;
        view.setConnection(m_server.settings());
        view.runCommand(QStringLiteral("DEBUG SLEEP 2"));
        QVERIFY(view.isRunning());
        LocalRedisServer other;
        STREAMSCOPE_START_REDIS(other);
        QElapsedTimer clock;
        clock.start();
        view.setConnection(other.settings());
        QVERIFY(clock.elapsed() < 500);
        QVERIFY(!view.isRunning());
        QVERIFY(run(view, QStringLiteral("PING")).endsWith(QLatin1String("\nPONG")));
        QTest::qWait(200);
        QVERIFY(!view.transcript().contains(QLatin1String("DEBUG")));
        QVERIFY(!view.transcript().contains(QLatin1String("cancelled")));
    }
};

QTEST_MAIN(TestConsole)
#include "tst_console.moc"
