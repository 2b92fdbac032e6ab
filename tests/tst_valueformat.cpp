#include "Import.h"
#include "StreamEntry.h"
#include "StreamId.h"
#include "ValueFormat.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <limits>

using namespace streamscope;

class TestValueFormat : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void displayText_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("shown");
        QTest::newRow("ascii") << QByteArray("hello") << "hello";
        QTest::newRow("utf8") << QByteArray("gr\xc3\xbc\xc3\x9f") << QString::fromUtf8("grüß");
        QTest::newRow("binary") << QByteArray("\xff\x00"
                                              "a\\",
                                              4)
                                << "\\xff\\x00a\\\\";
        QTest::newRow("truncated utf8") << QByteArray("\xc3") << "\\xc3";
    }
    void displayText() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, shown);
        QCOMPARE(valueformat::displayText(bytes), shown);
    }

    void singleLineEscapesAndCuts() {
        QCOMPARE(valueformat::singleLine("a\nb\tc"), QStringLiteral("a\\nb\\tc"));
        const QString cut = valueformat::singleLine(QByteArray(1000, 'x'), 10);
        QCOMPARE(cut.size(), 10);
        QVERIFY(cut.endsWith(QChar(0x2026)));
        // A cut in the middle of a multi-byte character does not turn it into escapes.
        const QByteArray umlauts = QString(200, QChar(0xfc)).toUtf8();
        QVERIFY(!valueformat::singleLine(umlauts, 20).contains(QLatin1String("\\x")));
    }

    void hugeValueIsCheap() {
        const QByteArray big(16 * 1024 * 1024, 'v');
        const QString s = valueformat::singleLine(big, 200);
        QCOMPARE(s.size(), 200); // bounded output whatever the input
    }

    void prettyJson() {
        const auto pretty = valueformat::prettyJson(R"({"a":1,"b":[true,null]})");
        QVERIFY(pretty.has_value());
        QVERIFY(pretty->contains(QLatin1String("\n")));
        QVERIFY(!valueformat::prettyJson("not json").has_value());
        QVERIFY(!valueformat::prettyJson("{broken").has_value());
    }

    void prettyJsonKeepsNumbersAndOrder() {
        // QJsonDocument made this ...67000 and sorted the members.
        const auto pretty = valueformat::prettyJson(
            R"({"z":12345678901234567890,"a":1.50,"m":-0.0e+10,"z":[],"o":{}})");
        QVERIFY(pretty);
        QCOMPARE(*pretty, QStringLiteral("{\n"
                                         "    \"z\": 12345678901234567890,\n"
                                         "    \"a\": 1.50,\n"
                                         "    \"m\": -0.0e+10,\n"
                                         "    \"z\": [],\n"
                                         "    \"o\": {}\n"
                                         "}"));
        QCOMPARE(valueformat::formatValue(R"([18446744073709551616])", valueformat::Format::Auto),
                 QStringLiteral("[\n    18446744073709551616\n]"));
        // Strings: escapes decoded and written back, non-ASCII kept.
        QCOMPARE(*valueformat::prettyJson("[\"a\\u00fc\\ud83d\\ude00\\\"\\n\"]"),
                 QString::fromUtf8("[\n    \"a\xc3\xbc\xf0\x9f\x98\x80\\\"\\n\"\n]"));
    }

    void parseJsonRefusesWhatIsNotJson_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("trailing") << QByteArray("{} x");
        QTest::newRow("leading zero") << QByteArray("[01]");
        QTest::newRow("bare dot") << QByteArray("[1.]");
        QTest::newRow("lone surrogate") << QByteArray(R"(["\ud800"])");
        QTest::newRow("not utf8") << QByteArray("[\"\xff\"]");
        QTest::newRow("overlong") << QByteArray("[\"\xc0\xaf\"]");
        QTest::newRow("raw newline") << QByteArray("[\"a\nb\"]");
        QTest::newRow("unclosed") << QByteArray("{\"a\":1");
        QTest::newRow("single quotes") << QByteArray("{'a':1}");
        QTest::newRow("too deep") << QByteArray(100000, '[');
        QTest::newRow("empty") << QByteArray();
    }
    void parseJsonRefusesWhatIsNotJson() {
        QFETCH(QByteArray, text);
        QString error;
        QVERIFY(!valueformat::parseJson(text, &error));
        QVERIFY2(error.contains(QLatin1String("at byte")), qPrintable(error));
    }

    void losslessEntryJson_data() {
        QTest::addColumn<QList<QByteArray>>("fields");
        QTest::addColumn<QByteArray>("json");
        QTest::newRow("utf8: an object of strings")
            << QList<QByteArray>{"type", "order.created", "note", "gr\xc3\xbc\xc3\x9f\n\x01"}
            << QByteArray("{\"type\":\"order.created\",\"note\":\"gr\xc3\xbc\xc3\x9f\\n\\u0001\"}");
        QTest::newRow("not utf8: base64") << QList<QByteArray>{"bin", QByteArray("\xff\x00z", 3)}
                                          << QByteArray(R"({"bin":{"base64":"/wB6"}})");
        QTest::newRow("text that looks escaped stays text")
            << QList<QByteArray>{"bin", "\\xff\\x00z"}
            << QByteArray("{\"bin\":\"\\\\xff\\\\x00z\"}");
        QTest::newRow("duplicate names: pairs") << QList<QByteArray>{"a", "1", "b", "2", "a", "3"}
                                                << QByteArray(R"([["a","1"],["b","2"],["a","3"]])");
        QTest::newRow("binary name: pairs") << QList<QByteArray>{QByteArray("\xfe", 1), "v"}
                                            << QByteArray(R"([[{"base64":"/g=="},"v"]])");
        QTest::newRow("empty value") << QList<QByteArray>{"e", ""} << QByteArray(R"({"e":""})");
    }
    void losslessEntryJson() {
        QFETCH(QList<QByteArray>, fields);
        QFETCH(QByteArray, json);
        const StreamEntry e = StreamEntry::make("s", {7, 1}, fields);
        QByteArray line;
        valueformat::appendEntryJson(line, e);
        QCOMPARE(line, R"({"stream":"s","id":"7-1","fields":)" + json + "}\n");
        // Valid JSON for any parser, and read back to the same bytes.
        QJsonParseError error;
        QJsonDocument::fromJson(line, &error);
        QCOMPARE(error.error, QJsonParseError::NoError);
        auto back = parseJsonLine(line.chopped(1));
        QVERIFY2(back.ok(), qPrintable(back.error().message));
        QCOMPARE(back->fields, fields);
        QCOMPARE(*back->id, StreamId({7, 1}));
    }

    void jsonStringIsAlwaysValidJson() {
        const QByteArray tricky("q\"uote\\ \n\x01 \xff end", 17);
        QByteArray out = "[";
        valueformat::appendJsonString(out, tricky);
        out += "]";
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(out, &error);
        QCOMPARE(error.error, QJsonParseError::NoError);
        QCOMPARE(doc.array().at(0).toString(), valueformat::displayText(tricky));
    }

    void entrySummaryAndPacking() {
        const StreamEntry e = StreamEntry::make("s", {5, 1}, {"type", "order.created", "n", "1"});
        QCOMPARE(valueformat::entrySummary(e), QStringLiteral("type=order.created n=1"));
        QCOMPARE(e.fields(), (QList<QByteArray>{"type", "order.created", "n", "1"}));
        QCOMPARE(e.value("n"), QByteArray("1"));
        QVERIFY(e.value("missing").isNull());
    }

    void redisCliQuoting_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QByteArray>("quoted");
        QTest::newRow("plain") << QByteArray("order.created") << QByteArray("order.created");
        QTest::newRow("space") << QByteArray("a b") << QByteArray("\"a b\"");
        QTest::newRow("empty") << QByteArray("") << QByteArray("\"\"");
        QTest::newRow("quotes") << QByteArray("say \"hi\"") << QByteArray("\"say \\\"hi\\\"\"");
        QTest::newRow("binary") << QByteArray("\x00\xff", 2) << QByteArray("\"\\x00\\xff\"");
        QTest::newRow("newline") << QByteArray("a\nb") << QByteArray("\"a\\nb\"");
    }
    void redisCliQuoting() {
        QFETCH(QByteArray, bytes);
        QFETCH(QByteArray, quoted);
        QCOMPARE(valueformat::redisCliQuote(bytes), quoted);
    }

    void formats() {
        using valueformat::Format;
        QCOMPARE(valueformat::detectFormat(R"({"a":1})"), Format::Json);
        QCOMPARE(valueformat::detectFormat("plain"), Format::Text);
        QCOMPARE(valueformat::detectFormat(QByteArray("\x00\xff", 2)), Format::Hex);
        QCOMPARE(
            valueformat::hexDump("Hi\x01"),
            QStringLiteral("00000000  48 69 01                                          |Hi.|\n"));
        const QByteArray seventeen("0123456789abcdefg");
        const QStringList lines =
            valueformat::hexDump(seventeen).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 2);
        QVERIFY(lines.at(1).startsWith(QLatin1String("00000010  67")));
        QVERIFY(lines.at(0).endsWith(QLatin1String("|0123456789abcdef|")));
        // Override: JSON shown as hex, text that is not JSON shown as it is.
        QVERIFY(valueformat::formatValue(R"({"a":1})", Format::Hex)
                    .startsWith(QLatin1String("00000000  7b")));
        QCOMPARE(valueformat::formatValue("plain", Format::Json), QStringLiteral("plain"));
        // Cut at maxBytes without splitting a character.
        const QByteArray umlauts = QString(100, QChar(0xfc)).toUtf8(); // 200 bytes
        const QString cut = valueformat::formatValue(umlauts, Format::Auto, 101);
        QCOMPARE(cut, QString(50, QChar(0xfc)));
    }

    void messagePack() {
        using valueformat::Format;
        // {"a": 1, "b": [true, nil, "x"], "n": -5, "big": 2^64-1, "f": 1.5, "bin": <ff 00>,
        //  7: "int key"}
        static const char raw[] = "\x87\xa1"
                                  "a"
                                  "\x01\xa1"
                                  "b"
                                  "\x93\xc3\xc0\xa1"
                                  "x"
                                  "\xa1"
                                  "n"
                                  "\xfb"
                                  "\xa3"
                                  "big"
                                  "\xcf\xff\xff\xff\xff\xff\xff\xff\xff"
                                  "\xa1"
                                  "f"
                                  "\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00"
                                  "\xa3"
                                  "bin"
                                  "\xc4\x02\xff\x00"
                                  "\x07\xa7"
                                  "int key";
        const QByteArray m(raw, sizeof(raw) - 1);
        QCOMPARE(m.size(), 55);
        const auto json = valueformat::messagePackJson(m);
        QVERIFY(json);
        const QJsonDocument doc = QJsonDocument::fromJson(json->toUtf8());
        QVERIFY2(doc.isObject(), qPrintable(*json));
        QCOMPARE(doc.object().value("a").toInt(), 1);
        QCOMPARE(doc.object().value("b").toArray().at(0).toBool(), true);
        QVERIFY(doc.object().value("b").toArray().at(1).isNull());
        QCOMPARE(doc.object().value("n").toInt(), -5);
        QCOMPARE(doc.object().value("f").toDouble(), 1.5);
        QCOMPARE(doc.object().value("bin").toString(), QStringLiteral("\\xff\\x00"));
        QCOMPARE(doc.object().value("7").toString(), QStringLiteral("int key"));
        QVERIFY2(json->contains(QLatin1String("18446744073709551615")), qPrintable(*json)); // exact
        QVERIFY(json->contains(QLatin1String("\n    \"a\": 1"))); // pretty-printed

        QCOMPARE(valueformat::detectFormat(m), Format::MessagePack);
        QCOMPARE(valueformat::formatValue(m, Format::Auto), *json);
        QVERIFY(!valueformat::messagePackJson(m.chopped(1)));       // truncated
        QVERIFY(!valueformat::messagePackJson(m + '\x01'));         // trailing bytes
        QVERIFY(!valueformat::messagePackJson(QByteArray("\x01"))); // not a map or array
        QVERIFY(!valueformat::messagePackJson(QByteArray()));
        // Text never counts as MessagePack, even when its first byte could.
        QCOMPARE(valueformat::detectFormat("\xc3\xa9t\xc3\xa9"), Format::Text);
        // Asked for MessagePack, bytes that are not get a hex dump.
        QVERIFY(valueformat::formatValue(QByteArray("\x00\x01", 2), Format::MessagePack)
                    .startsWith(QLatin1String("00000000")));
        // Deep nesting is refused, not followed down the stack.
        QByteArray deep(100, '\x91');
        deep += '\x01';
        QVERIFY(!valueformat::messagePackJson(deep));
    }

    void streamIds_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<bool>("valid");
        QTest::newRow("full") << QByteArray("1700000000000-3") << true;
        QTest::newRow("ms only") << QByteArray("1700000000000") << true;
        QTest::newRow("zero") << QByteArray("0-0") << true;
        QTest::newRow("letters") << QByteArray("abc") << false;
        QTest::newRow("empty seq") << QByteArray("5-") << false;
        QTest::newRow("negative") << QByteArray("-5") << false;
        QTest::newRow("overflow") << QByteArray("99999999999999999999999-0") << false;
        QTest::newRow("dollar") << QByteArray("$") << false;
        QTest::newRow("empty") << QByteArray("") << false;
    }
    void streamIds() {
        QFETCH(QByteArray, text);
        QFETCH(bool, valid);
        auto id = StreamId::parse(text);
        QCOMPARE(id.ok(), valid);
        if (!valid)
            QVERIFY(id.error().message.contains(QLatin1String("malformed stream ID")));
    }

    void streamIdOrder() {
        QVERIFY(StreamId({1, 5}) < StreamId({2, 0}));
        QVERIFY(StreamId({2, 0}) < StreamId({2, 1}));
        QCOMPARE(StreamId({2, 1}).successor(), StreamId({2, 2}));
        QCOMPARE(StreamId({2, 1}).predecessor(), StreamId({2, 0}));
        QCOMPARE(StreamId({2, 0}).predecessor(),
                 StreamId({1, std::numeric_limits<quint64>::max()}));
        QCOMPARE(StreamId({0, 0}).predecessor(), StreamId({0, 0}));
        QCOMPARE(StreamId::parse("42-7").value().toByteArray(), QByteArray("42-7"));
    }

    // Integers read from input or the server are range-checked: no wrap, no partial parse.
    void streamIdRanges_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<bool>("valid");
        QTest::newRow("2^64-1") << QByteArray("18446744073709551615-18446744073709551615") << true;
        QTest::newRow("ms 2^64") << QByteArray("18446744073709551616-0") << false;
        QTest::newRow("seq 2^64") << QByteArray("0-18446744073709551616") << false;
        QTest::newRow("-1") << QByteArray("-1") << false;
        QTest::newRow("1-") << QByteArray("1-") << false;
        QTest::newRow("-") << QByteArray("-") << false;
        QTest::newRow("1-2-3") << QByteArray("1-2-3") << false;
        QTest::newRow("+1") << QByteArray("+1-0") << false;
        QTest::newRow("space") << QByteArray(" 1-0") << false;
    }
    void streamIdRanges() {
        QFETCH(QByteArray, text);
        QFETCH(bool, valid);
        QCOMPARE(StreamId::parse(text).ok(), valid);
        StreamId fromServer{7, 7};
        QCOMPARE(StreamId::parseServer(text, &fromServer), valid);
        if (!valid) {
            QCOMPARE(fromServer, StreamId({7, 7})); // untouched
            QCOMPARE(StreamId::fromServer(text), StreamId());
        }
    }

    // Neighbours at the ends of the ID space do not wrap around.
    void streamIdEnds() {
        constexpr quint64 max = std::numeric_limits<quint64>::max();
        QCOMPARE(StreamId({5, max}).successor(), StreamId({6, 0}));
        QCOMPARE(StreamId({max, max}).successor(), StreamId({max, max})); // before: 0-0
        QVERIFY(StreamId({max, max}).isMax());
        QVERIFY(!StreamId({max, 0}).isMax());
        QCOMPARE(StreamId({max, 0}).predecessor(), StreamId({max - 1, max}));
        QCOMPARE(StreamId({0, 0}).predecessor(), StreamId({0, 0}));
    }

    // An ID past any real time has no date (before: 2^64-1 showed as 1969-12-31).
    void streamIdTimeOutOfRange() {
        const StreamId max{std::numeric_limits<quint64>::max(), 0};
        QVERIFY(!max.hasTimestamp());
        QVERIFY(!max.timestamp().isValid());
        QCOMPARE(max.timeText(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")),
                 QStringLiteral("(no date: time out of range)"));
        QCOMPARE(max.timeText(Qt::ISODateWithMs), QStringLiteral("(no date: time out of range)"));
        const StreamId signBit{quint64(1) << 63, 0};
        QVERIFY(!signBit.timestamp().isValid());
        const StreamId last{StreamId::maxTimestampMs, 0};
        QCOMPARE(last.timestamp().toUTC().toString(Qt::ISODateWithMs),
                 QStringLiteral("9999-12-31T23:59:59.999Z"));
        QVERIFY(!StreamId({StreamId::maxTimestampMs + 1, 0}).timestamp().isValid());
        const StreamId real{1700000000000, 0};
        QCOMPARE(real.timestamp().toUTC().toString(Qt::ISODate),
                 QStringLiteral("2023-11-14T22:13:20Z"));
        QCOMPARE(real.timeText(Qt::ISODate), real.timestamp().toString(Qt::ISODate));
    }
};

QTEST_GUILESS_MAIN(TestValueFormat)
#include "tst_valueformat.moc"
