// The parser against bytes a real server cannot be made to send: replies cut anywhere,
// garbage, deep nesting. Real-server behaviour is covered in tst_redisconnection.
#include "ReplyParser.h"

#include <QTest>

using namespace streamscope;

namespace {
RedisReply parseWhole(const QByteArray &bytes) {
    ReplyParser parser;
    parser.feed(bytes);
    auto r = parser.next();
    if (!r.ok() || !r.value())
        return RedisReply::error("no reply");
    return *r.value();
}
} // namespace

class TestReplyParser : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void types_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("expected");
        QTest::newRow("status") << QByteArray("+OK\r\n") << "OK";
        QTest::newRow("error") << QByteArray("-WRONGTYPE Operation against a key\r\n")
                               << "(error) WRONGTYPE Operation against a key";
        QTest::newRow("integer") << QByteArray(":-42\r\n") << "(integer) -42";
        QTest::newRow("bulk") << QByteArray("$5\r\nhello\r\n") << "\"hello\"";
        QTest::newRow("empty bulk") << QByteArray("$0\r\n\r\n") << "\"\"";
        QTest::newRow("nil bulk") << QByteArray("$-1\r\n") << "(nil)";
        QTest::newRow("nil array") << QByteArray("*-1\r\n") << "(nil)";
        QTest::newRow("empty array") << QByteArray("*0\r\n") << "[]";
        QTest::newRow("nested") << QByteArray("*2\r\n*2\r\n:1\r\n$1\r\na\r\n$-1\r\n")
                                << "[[(integer) 1, \"a\"], (nil)]";
    }
    void types() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, expected);
        QCOMPARE(parseWhole(bytes).toDebugString(), expected);
    }

    void errorIsAValue() {
        const RedisReply r = parseWhole("-NOPERM this user has no permissions\r\n");
        QVERIFY(r.isError());
        QCOMPARE(r.errorCode(), QByteArray("NOPERM"));
        QCOMPARE(r.errorMessage(), QStringLiteral("NOPERM this user has no permissions"));
    }

    void binarySafe() {
        QByteArray value("a\0b\r\n\xff", 6);
        const RedisReply r = parseWhole("$6\r\n" + value + "\r\n");
        QCOMPARE(r.bytes(), value);
    }

    // A reply split at every possible byte boundary still comes out whole and only once.
    void splitAnywhere() {
        const QByteArray bytes("*3\r\n$3\r\nfoo\r\n*2\r\n:7\r\n+OK\r\n$-1\r\n");
        const RedisReply whole = parseWhole(bytes);
        for (int cut = 1; cut < bytes.size(); ++cut) {
            ReplyParser parser;
            parser.feed(bytes.left(cut));
            auto first = parser.next();
            QVERIFY(first.ok());
            QVERIFY2(!first.value(), qPrintable(QStringLiteral("reply complete at %1").arg(cut)));
            parser.feed(bytes.mid(cut));
            auto second = parser.next();
            QVERIFY(second.ok());
            QVERIFY(second.value().has_value());
            QCOMPARE(*second.value(), whole);
            auto none = parser.next();
            QVERIFY(none.ok() && !none.value());
        }
    }

    void severalRepliesInOneFeed() {
        ReplyParser parser;
        parser.feed("+OK\r\n:1\r\n$2\r\nhi\r\n");
        QCOMPARE(parser.next().value()->toDebugString(), QStringLiteral("OK"));
        QCOMPARE(parser.next().value()->integer(), 1);
        QCOMPARE(parser.next().value()->bytes(), QByteArray("hi"));
        QVERIFY(!parser.next().value());
    }

    void garbageIsAProtocolError() {
        ReplyParser parser;
        parser.feed("HTTP/1.1 400 Bad Request\r\n");
        auto r = parser.next();
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::Protocol);
        QVERIFY(r.error().message.contains(QLatin1String("not a Redis reply")));
        // After a reset the parser works again.
        parser.feed("+OK\r\n");
        QVERIFY(parser.next().value().has_value());
    }

    void formatCommandIsBinarySafe() {
        const QByteArray formatted =
            ReplyParser::formatCommand({"SET", "k", QByteArray("v\0\r\n", 4)});
        QCOMPARE(formatted, QByteArray("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\nv\0\r\n\r\n", 30));
    }

    void entriesModeXread() {
        // XREAD reply: two streams, a deleted entry, a binary value.
        const QByteArray binary("\xff\x00", 2);
        const QByteArray wire =
            QByteArray("*2\r\n"
                       "*2\r\n$1\r\na\r\n*2\r\n"
                       "*2\r\n$3\r\n1-1\r\n*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n$2\r\n")
            + binary
            + QByteArray("\r\n"
                         "*2\r\n$3\r\n2-0\r\n*-1\r\n"
                         "*2\r\n$1\r\nb\r\n*1\r\n"
                         "*2\r\n$3\r\n3-7\r\n*2\r\n$4\r\nname\r\n$0\r\n\r\n");
        StreamEntryList entries;
        ReplyParser parser;
        parser.expectEntries(&entries, 2);
        // Feed byte by byte: entries mode must survive partial replies too.
        std::optional<RedisReply> reply;
        for (char c : wire) {
            parser.feed(&c, 1);
            auto r = parser.next();
            QVERIFY(r.ok());
            if (r.value())
                reply = r.value();
        }
        QVERIFY(reply.has_value());
        QCOMPARE(entries.size(), 3);
        QCOMPARE(entries[0].stream, QByteArray("a"));
        QCOMPARE(entries[0].id.toByteArray(), QByteArray("1-1"));
        QCOMPARE(entries[0].fieldCount(), 2);
        QCOMPARE(entries[0].fieldName(1).toByteArray(), QByteArray("g"));
        QCOMPARE(entries[0].fieldValue(1).toByteArray(), binary);
        QCOMPARE(entries[0].value("f"), QByteArray("v"));
        QVERIFY(entries[1].deleted);
        QCOMPARE(entries[1].fieldCount(), 0);
        QCOMPARE(entries[2].stream, QByteArray("b"));
        QCOMPARE(entries[2].id.toByteArray(), QByteArray("3-7"));
        QCOMPARE(entries[2].value("name"), QByteArray(""));
        QVERIFY(!entries[2].value("name").isNull());
        // The next reply is parsed normally again.
        parser.feed("$2\r\nok\r\n");
        QCOMPARE(parser.next().value()->bytes(), QByteArray("ok"));
        QCOMPARE(entries.size(), 3);
    }

    void entriesModeCutByResetLeavesNothing() {
        StreamEntryList entries;
        ReplyParser parser;
        parser.expectEntries(&entries, 0, "s");
        parser.feed("*2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n2-");
        QVERIFY(!parser.next().value());
        QVERIFY(!entries.isEmpty()); // one entry is half-built
        parser.reset();              // the connection died mid-reply
        QCOMPARE(entries.size(), 0);
    }

    void entriesModeError() {
        StreamEntryList entries;
        ReplyParser parser;
        parser.expectEntries(&entries, 2);
        parser.feed("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
        auto r = parser.next();
        QVERIFY(r.ok() && r.value());
        QCOMPARE(r.value()->errorCode(), QByteArray("WRONGTYPE"));
        QVERIFY(entries.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestReplyParser)
#include "tst_replyparser.moc"
