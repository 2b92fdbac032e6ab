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

    // Entries mode on replies of another shape: a protocol error for that reply, nothing
    // appended, no write through a marker (before, the first row crashed with SIGSEGV).
    void entriesModeWrongShape_data() {
        QTest::addColumn<int>("depth");
        QTest::addColumn<QByteArray>("bytes");
        // XREAD: [[name, [[id, [f, v]]]]]
        auto xread = [](const QByteArray &entry) {
            return "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n" + entry;
        };
        QTest::newRow("status as ID (issue 9)") << 2 << xread("*2\r\n+x\r\n*0\r\n");
        QTest::newRow("error as ID") << 2 << xread("*2\r\n-ERR x\r\n*0\r\n");
        QTest::newRow("integer as ID") << 2 << xread("*2\r\n:1\r\n*0\r\n");
        QTest::newRow("nil as ID") << 2 << xread("*2\r\n$-1\r\n*0\r\n");
        QTest::newRow("nil array as ID") << 2 << xread("*2\r\n*-1\r\n*0\r\n");
        QTest::newRow("array as ID") << 2 << xread("*2\r\n*1\r\n$3\r\n1-1\r\n*0\r\n");
        QTest::newRow("not an ID") << 2 << xread("*2\r\n$3\r\nabc\r\n*0\r\n");
        QTest::newRow("ID past 2^64")
            << 2 << xread("*2\r\n$22\r\n18446744073709551616-0\r\n*0\r\n");
        QTest::newRow("ID without seq") << 2 << xread("*2\r\n$2\r\n1-\r\n*0\r\n");
        QTest::newRow("status as fields") << 2 << xread("*2\r\n$3\r\n1-1\r\n+x\r\n");
        QTest::newRow("bulk as fields") << 2 << xread("*2\r\n$3\r\n1-1\r\n$1\r\nx\r\n");
        QTest::newRow("integer as fields") << 2 << xread("*2\r\n$3\r\n1-1\r\n:3\r\n");
        QTest::newRow("odd fields") << 2 << xread("*2\r\n$3\r\n1-1\r\n*1\r\n$1\r\nf\r\n");
        QTest::newRow("status as field")
            << 2 << xread("*2\r\n$3\r\n1-1\r\n*2\r\n+f\r\n$1\r\nv\r\n");
        QTest::newRow("integer as value")
            << 2 << xread("*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n:1\r\n");
        QTest::newRow("nil as value") << 2 << xread("*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$-1\r\n");
        QTest::newRow("array as value")
            << 2 << xread("*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n*1\r\n$1\r\nv\r\n");
        QTest::newRow("entry of 1") << 2 << xread("*1\r\n$3\r\n1-1\r\n");
        QTest::newRow("entry of 3") << 2 << xread("*3\r\n$3\r\n1-1\r\n*0\r\n*0\r\n");
        QTest::newRow("entry of 0") << 2 << xread("*0\r\n");
        QTest::newRow("status as entry") << 2 << xread("+x\r\n");
        QTest::newRow("integer as entry") << 2 << xread(":1\r\n");
        QTest::newRow("bulk as entry") << 2 << xread("$3\r\n1-1\r\n");
        QTest::newRow("status as entries") << 2 << QByteArray("*1\r\n*2\r\n$1\r\ns\r\n+x\r\n");
        QTest::newRow("nil as entries") << 2 << QByteArray("*1\r\n*2\r\n$1\r\ns\r\n*-1\r\n");
        QTest::newRow("integer as entries") << 2 << QByteArray("*1\r\n*2\r\n$1\r\ns\r\n:0\r\n");
        QTest::newRow("integer as name") << 2 << QByteArray("*1\r\n*2\r\n:1\r\n*0\r\n");
        QTest::newRow("array as name") << 2 << QByteArray("*1\r\n*2\r\n*0\r\n*0\r\n");
        QTest::newRow("stream of 1") << 2 << QByteArray("*1\r\n*1\r\n$1\r\ns\r\n");
        QTest::newRow("stream of 3") << 2 << QByteArray("*1\r\n*3\r\n$1\r\ns\r\n*0\r\n*0\r\n");
        QTest::newRow("status as stream") << 2 << QByteArray("*1\r\n+x\r\n");
        QTest::newRow("nil as stream") << 2 << QByteArray("*1\r\n*-1\r\n");
        QTest::newRow("status as XREAD") << 2 << QByteArray("+OK\r\n");
        QTest::newRow("integer as XREAD") << 2 << QByteArray(":1\r\n");
        QTest::newRow("bulk as XREAD") << 2 << QByteArray("$1\r\nx\r\n");
        QTest::newRow("good then bad")
            << 2
            << QByteArray(
                   "*2\r\n*2\r\n$1\r\na\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"
                   "*2\r\n$1\r\nb\r\n*1\r\n*2\r\n+x\r\n*0\r\n");
        // XRANGE: [[id, [f, v]]]
        QTest::newRow("XRANGE status") << 0 << QByteArray("+OK\r\n");
        QTest::newRow("XRANGE bulk") << 0 << QByteArray("$1\r\nx\r\n");
        QTest::newRow("XRANGE integer") << 0 << QByteArray(":1\r\n");
        QTest::newRow("XRANGE status as ID") << 0 << QByteArray("*1\r\n*2\r\n+x\r\n*0\r\n");
        QTest::newRow("XRANGE nested entry")
            << 0 << QByteArray("*1\r\n*2\r\n*2\r\n$3\r\n1-1\r\n*0\r\n*0\r\n");
        // XAUTOCLAIM: [cursor, [[id, [f, v]]], [deleted ids]]
        QTest::newRow("XAUTOCLAIM integer") << 1 << QByteArray(":1\r\n");
        QTest::newRow("XAUTOCLAIM status as ID")
            << 1 << QByteArray("*3\r\n$3\r\n0-0\r\n*1\r\n*2\r\n+x\r\n*0\r\n*0\r\n");
        QTest::newRow("XAUTOCLAIM bulk as entries")
            << 1 << QByteArray("*3\r\n$3\r\n0-0\r\n$1\r\nx\r\n*0\r\n");
    }
    void entriesModeWrongShape() {
        QFETCH(int, depth);
        QFETCH(QByteArray, bytes);
        // Whole, and byte by byte: the error comes at the first byte that proves it.
        for (const bool bytewise : {false, true}) {
            StreamEntryList entries{StreamEntry::make("before", {1, 1}, {"f", "v"})};
            ReplyParser parser;
            parser.expectEntries(&entries, depth, "s");
            std::optional<Result<std::optional<RedisReply>>> result;
            for (qsizetype at = 0; at < bytes.size() && !result;) {
                const qsizetype n = bytewise ? 1 : bytes.size();
                parser.feed(bytes.mid(at, n));
                at += n;
                auto r = parser.next();
                if (!r.ok() || r.value())
                    result = std::move(r);
            }
            QVERIFY2(result && !result->ok(), "a reply of the wrong shape was accepted");
            QCOMPARE(result->error().kind, Error::Kind::Protocol);
            QVERIFY2(result->error().message.contains(QLatin1String("shape of stream entries"))
                         || result->error().message.contains(QLatin1String("not a Redis reply")),
                     qPrintable(result->error().message));
            QCOMPARE(entries.size(), 1); // what was there before stays, nothing was added
            QCOMPARE(entries.first().stream, QByteArray("before"));
            // The parser starts over: the next reply (on a new connection) parses.
            parser.feed("+OK\r\n");
            QCOMPARE(parser.next().value()->toDebugString(), QStringLiteral("OK"));
        }
    }

    // Shapes real servers send that entries mode keeps accepting.
    void entriesModeXautoclaim() {
        StreamEntryList entries;
        ReplyParser parser;
        parser.expectEntries(&entries, 1, "s");
        parser.feed("*3\r\n$3\r\n7-0\r\n*2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"
                    "*-1\r\n*1\r\n$3\r\n2-2\r\n");
        auto r = parser.next();
        QVERIFY2(r.ok(), qPrintable(r.error().message));
        QVERIFY(r.value());
        QCOMPARE(r.value()->at(0).bytes(), QByteArray("7-0"));
        QCOMPARE(r.value()->at(2).toDebugString(), QStringLiteral("[\"2-2\"]"));
        QCOMPARE(entries.size(), 1); // the nil entry (XCLAIM before 7.0: deleted) is skipped
        QCOMPARE(entries[0].stream, QByteArray("s"));
        QCOMPARE(entries[0].id.toByteArray(), QByteArray("1-1"));
        QCOMPARE(entries[0].value("f"), QByteArray("v"));
    }

    void entriesModeTimeoutIsNil() {
        StreamEntryList entries;
        ReplyParser parser;
        parser.expectEntries(&entries, 2);
        parser.feed("*-1\r\n");
        auto r = parser.next();
        QVERIFY(r.ok() && r.value());
        QVERIFY(r.value()->isNil());
        QVERIFY(entries.isEmpty());
    }

    // A header alone never sizes anything: 2^31 elements or a 2 GiB string fail at once with
    // the limit in the message (before: bad_alloc, the process aborted).
    void hugeHeaders_data() {
        QTest::addColumn<int>("depth"); // -1: tree mode
        QTest::addColumn<QByteArray>("bytes");
        QTest::newRow("array") << -1 << QByteArray("*2147483647\r\n");
        QTest::newRow("nested array") << -1 << QByteArray("*2\r\n:1\r\n*2147483647\r\n");
        QTest::newRow("bulk") << -1 << QByteArray("$2147483647\r\n");
        QTest::newRow("bulk just over 512 MiB") << -1 << QByteArray("$536870909\r\n");
        QTest::newRow("nested bulk") << -1 << QByteArray("*1\r\n$1000000000\r\nxyz");
        QTest::newRow("XRANGE entries") << 0 << QByteArray("*2147483647\r\n");
        QTest::newRow("XREAD entries") << 2 << QByteArray("*1\r\n*2\r\n$1\r\ns\r\n*2147483647\r\n");
        QTest::newRow("fields") << 0 << QByteArray("*1\r\n*2\r\n$3\r\n1-1\r\n*2147483646\r\n");
        QTest::newRow("value") << 0
                               << QByteArray("*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n"
                                             "$2000000000\r\n");
    }
    void hugeHeaders() {
        QFETCH(int, depth);
        QFETCH(QByteArray, bytes);
        StreamEntryList entries;
        ReplyParser parser;
        if (depth >= 0)
            parser.expectEntries(&entries, depth, "s");
        parser.feed(bytes);
        auto r = parser.next();
        QVERIFY2(!r.ok(), "the header was accepted");
        QCOMPARE(r.error().kind, Error::Kind::Protocol);
        QVERIFY2(r.error().message.contains(
                     QLatin1String("the server's reply is larger than the 512 MiB limit")),
                 qPrintable(r.error().message));
        QVERIFY(entries.isEmpty());
    }

    // A large announced array within the limit reserves little and grows as elements come.
    void largeArrayGrowsAsElementsArrive() {
        ReplyParser parser;
        parser.feed("*1000000\r\n");
        QVERIFY(parser.next().ok());
        QByteArray rest;
        for (int i = 0; i < 1000000; ++i)
            rest += ":" + QByteArray::number(i) + "\r\n";
        parser.feed(rest);
        auto r = parser.next();
        QVERIFY(r.ok() && r.value());
        QCOMPARE(r.value()->size(), size_t(1000000));
        QCOMPARE(r.value()->at(999999).integer(), 999999);
    }

    // The limit counts the bytes on the wire plus ReplyParser::elementCost per element: a reply
    // of exactly the limit passes, one byte more fails, however the bytes arrive.
    void replyLimit_data() {
        QTest::addColumn<qint64>("limit");
        QTest::addColumn<int>("depth");
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<bool>("fits");
        const QByteArray bulk93 = "$93\r\n" + QByteArray(93, 'x') + "\r\n"; // 100 bytes
        const QByteArray bulk94 = "$94\r\n" + QByteArray(94, 'x') + "\r\n"; // 101 bytes
        QTest::newRow("bulk at the limit") << qint64(100) << -1 << bulk93 << true;
        QTest::newRow("bulk just over") << qint64(100) << -1 << bulk94 << false;
        QTest::newRow("status just over") << qint64(100) << -1 << "+" + QByteArray(98, 'x') + "\r\n"
                                          << false;
        const QByteArray array = "*2\r\n$1\r\na\r\n$1\r\nb\r\n"; // 18 bytes + 2 elements
        const qint64 arraySize = 18 + 2 * ReplyParser::elementCost;
        QTest::newRow("array at the limit") << arraySize << -1 << array << true;
        QTest::newRow("array just over") << arraySize - 1 << -1 << array << false;
        // XRANGE: 1 entry of [id, [f, v]]: 5 elements below the root.
        const QByteArray xrange =
            "*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$50\r\n" + QByteArray(50, 'v') + "\r\n";
        const qint64 xrangeSize = xrange.size() + 5 * ReplyParser::elementCost;
        QTest::newRow("entries at the limit") << xrangeSize << 0 << xrange << true;
        QTest::newRow("entries just over") << xrangeSize - 1 << 0 << xrange << false;
    }
    void replyLimit() {
        QFETCH(qint64, limit);
        QFETCH(int, depth);
        QFETCH(QByteArray, bytes);
        QFETCH(bool, fits);
        for (const qsizetype chunk : {bytes.size(), qsizetype(7), qsizetype(1)}) {
            StreamEntryList entries;
            ReplyParser parser;
            parser.setMaxReplyBytes(limit);
            if (depth >= 0)
                parser.expectEntries(&entries, depth, "s");
            std::optional<Result<std::optional<RedisReply>>> result;
            for (qsizetype at = 0; at < bytes.size() && !result; at += chunk) {
                parser.feed(bytes.mid(at, chunk));
                auto r = parser.next();
                if (!r.ok() || r.value())
                    result = std::move(r);
            }
            QVERIFY(result);
            QCOMPARE(result->ok(), fits);
            if (!fits) {
                QVERIFY2(result->error().message.contains(
                             QStringLiteral("larger than the %1-byte limit").arg(limit)),
                         qPrintable(result->error().message));
                QVERIFY(entries.isEmpty());
            } else if (depth >= 0) {
                QCOMPARE(entries.size(), 1);
            }
        }
    }

    // The limit is per reply: several replies at the limit in one read all pass.
    void replyLimitIsPerReply() {
        ReplyParser parser;
        parser.setMaxReplyBytes(100);
        const QByteArray bulk93 = "$93\r\n" + QByteArray(93, 'x') + "\r\n";
        parser.feed(bulk93 + bulk93 + bulk93);
        for (int i = 0; i < 3; ++i) {
            auto r = parser.next();
            QVERIFY2(r.ok(), qPrintable(r.error().message));
            QVERIFY(r.value());
        }
        // The bulk header alone says this one will not fit: no need to wait for its bytes.
        parser.feed("$94\r\n");
        QVERIFY(!parser.next().ok());
    }

    // Elements that are not there read as nil: code expecting another shape sees missing data
    // instead of an exception that would end the process.
    void missingElementsAreNil() {
        const RedisReply r = parseWhole("*1\r\n:5\r\n");
        QCOMPARE(r.at(0).integer(), 5);
        QVERIFY(r.at(1).isNil());
        QVERIFY(r.at(7).at(3).isNil());
        QVERIFY(parseWhole(":5\r\n").at(0).isNil());
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
