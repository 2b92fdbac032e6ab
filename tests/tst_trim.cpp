// Trimming with a preview, against a real server: the preview counts what goes and names the
// groups that would lose entries they have not read; the dialog validates, asks, trims, and
// sends nothing in read-only mode.
#include "GroupActions.h"
#include "Palette.h"
#include "TestRedis.h"
#include "Trim.h"
#include "TrimDialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLayout>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTest>

using namespace streamscope;
using namespace streamscope::test;

class TestTrim : public QObject {
    Q_OBJECT
private:
    void makeStream() {
        run(*m_c, {"FLUSHALL"});
        addEntries(*m_c, "s", 0, 100);
        run(*m_c, {"XGROUP", "CREATE", "s", "done", "$"});   // read everything
        run(*m_c, {"XGROUP", "CREATE", "s", "behind", "0"}); // read 40 of 100
        run(*m_c, {"XREADGROUP", "GROUP", "behind", "c", "COUNT", "40", "STREAMS", "s", ">"});
        run(*m_c, {"XGROUP", "CREATE", "s", "close", "0"}); // read 85 of 100
        run(*m_c, {"XREADGROUP", "GROUP", "close", "c", "COUNT", "85", "STREAMS", "s", ">"});
        m_ids = run(*m_c, {"XRANGE", "s", "-", "+"});
    }
    QStringList losing(const TrimPreview &p) {
        QStringList out;
        for (const auto &g : p.groupsLosingUnread)
            out << QString::fromUtf8(g.group);
        out.sort();
        return out;
    }

private Q_SLOTS:
    void initTestCase() { STREAMSCOPE_START_REDIS(m_server); }
    void init() {
        m_c = connectTo(m_server.settings());
        makeStream();
    }

    void maxlenPreviewNamesTheGroups() {
        TrimSpec spec;
        spec.maxLen = 30; // entries 70..99 stay
        auto p = previewTrim(*m_c, "s", spec, 70015);
        QVERIFY2(p.ok(), qPrintable(p.error().message));
        QCOMPARE(p->removed, qint64(70));
        QVERIFY(p->removedIsExact);
        QCOMPARE(p->newFirstId->toByteArray(), m_ids.at(70).at(0).bytes());
        QCOMPARE(losing(p.value()), QStringList{QStringLiteral("behind")});
        QCOMPARE(p->groupsLosingUnread.first().unreadLost, std::optional<qint64>(30)); // 40..69
        QCOMPARE(p->safeGroups.size(), 2);
        QVERIFY(p->describe("s", false)
                    .startsWith(QLatin1String("70 of 100 entries of s would be removed")));

        spec.maxLen = 10; // now "close" (15 unread) loses 5 too
        p = previewTrim(*m_c, "s", spec, 70015);
        QCOMPARE(losing(p.value()), (QStringList{"behind", "close"}));
        QCOMPARE(run(*m_c, {"XLEN", "s"}).integer(), 100); // a preview changes nothing
    }

    void minidPreview() {
        TrimSpec spec;
        spec.mode = TrimSpec::Mode::MinId;
        spec.minId = StreamId::fromServer(m_ids.at(30).at(0).bytes()); // 0..29 go
        auto p = previewTrim(*m_c, "s", spec, 70015);
        QVERIFY(p.ok());
        QCOMPARE(p->removed, qint64(30));
        QCOMPARE(p->newFirstId->toByteArray(), m_ids.at(30).at(0).bytes());
        QCOMPARE(losing(p.value()), QStringList()); // "behind" read 0..39 already
        spec.minId = StreamId::fromServer(m_ids.at(50).at(0).bytes());
        p = previewTrim(*m_c, "s", spec, 70015);
        QCOMPARE(losing(p.value()), QStringList{QStringLiteral("behind")});
    }

    void dialogValidatesPreviewsAndTrims() {
        GroupActions requests(m_server.settings());
        TrimDialog dialog(&requests, "s", false);
        QStringList asked;
        dialog.confirm = [&](const QString &q) {
            asked << q;
            return true;
        };
        dialog.valueEdit()->setText(QStringLiteral("lots"));
        dialog.preview();
        QVERIFY(dialog.errorText().contains(QLatin1String("whole number")));
        QVERIFY(!dialog.canTrim());
        dialog.modeBox()->setCurrentIndex(1);
        dialog.valueEdit()->setText(QStringLiteral("12-x"));
        dialog.preview();
        QVERIFY(dialog.errorText().contains(QLatin1String("malformed stream ID")));

        dialog.modeBox()->setCurrentIndex(0);
        dialog.valueEdit()->setText(QStringLiteral("30"));
        dialog.preview();
        QTRY_VERIFY(dialog.canTrim());
        QVERIFY(dialog.previewText().contains(QLatin1String("Group behind would lose 30 entries")));
        // In the palette's critical colour (red on a light palette).
        QVERIFY(dialog.previewText().contains(toneColour(Tone::Critical).name()));
        QSignalSpy done(&dialog, &TrimDialog::trimmed);
        dialog.trim();
        QCOMPARE(asked.size(), 1);
        QTRY_COMPARE(done.size(), 1);
        QVERIFY(done.first().first().toBool());
        QCOMPARE(run(*m_c, {"XLEN", "s"}).integer(), 30);
    }

    // The dialog grows to its preview: many groups losing entries, with long names, all
    // visible (the warning was cut off at the dialog's first size).
    void dialogFitsItsPreview() {
        makeStream();
        for (int i = 0; i < 12; ++i)
            run(*m_c, {"XGROUP", "CREATE", "s",
                       "a-consumer-group-with-a-rather-long-name-" + QByteArray::number(i), "0"});
        GroupActions requests(m_server.settings());
        TrimDialog dialog(&requests, "s", false);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        const int firstHeight = dialog.height();
        dialog.valueEdit()->setText(QStringLiteral("10"));
        dialog.preview();
        QTRY_VERIFY(dialog.canTrim());
        QVERIFY(dialog.previewText().contains(QLatin1String("rather-long-name-11")));
        QLabel *label = dialog.previewLabel();
        QVERIFY(label->wordWrap());
        QTRY_VERIFY(label->height() >= label->heightForWidth(label->width()));
        QVERIFY(dialog.height() > firstHeight);
        QVERIFY(dialog.height() >= dialog.layout()->totalHeightForWidth(dialog.width()));
        // The whole dialog stays within its width: the text wraps, it does not widen forever.
        QVERIFY(dialog.width() < 1200);
        if (const QByteArray dir = qgetenv("STREAMSCOPE_SHOTS"); !dir.isEmpty())
            dialog.grab().save(QString::fromUtf8(dir) + QStringLiteral("/trim-preview.png"));
    }

    void readOnlyDialogSendsNothing() {
        ConnectionSettings readOnly = m_server.settings();
        readOnly.readOnly = true;
        GroupActions requests(readOnly);
        TrimDialog dialog(&requests, "s", true);
        dialog.confirm = [](const QString &) { return true; };
        dialog.valueEdit()->setText(QStringLiteral("10"));
        dialog.preview(); // a preview only reads: allowed
        QTRY_VERIFY(dialog.previewText().contains(QLatin1String("would be removed")));
        QVERIFY(!dialog.canTrim());
        dialog.trim();
        QTest::qWait(200);
        QCOMPARE(run(*m_c, {"XLEN", "s"}).integer(), 100);
        // And the worker itself refuses.
        QSignalSpy done(requests.worker(), &GroupActionsWorker::actionFinished);
        TrimSpec spec;
        spec.maxLen = 1;
        QMetaObject::invokeMethod(requests.worker(), [&] { requests.worker()->trim("s", spec); });
        QTRY_COMPARE(done.size(), 1);
        QVERIFY(done.first().at(1).toString().contains(QLatin1String("read-only")));
        QCOMPARE(run(*m_c, {"XLEN", "s"}).integer(), 100);
    }

    // A group whose last-delivered-id is the greatest ID has nothing left to read, even when
    // ENTRIESREAD 0 makes the server report a lag: nothing is unread, and no "first undelivered
    // entry" (XRANGE max + would find the last entry itself) gives it an age.
    void greatestLastDeliveredIdLeavesNothingUnread() {
        const QByteArray max = "18446744073709551615-18446744073709551615";
        run(*m_c, {"FLUSHALL"});
        run(*m_c, {"XADD", "s", "5-0", "f", "v"});
        run(*m_c, {"XADD", "s", max, "f", "v"});
        run(*m_c, {"XGROUP", "CREATE", "s", "g", max, "ENTRIESREAD", "0"});
        QCOMPARE(run(*m_c, {"XINFO", "GROUPS", "s"}).at(0).field("lag")->integer(), 2);

        auto status = fetchStreamStatus(*m_c, {"s"}, 70015);
        QVERIFY2(status.ok(), qPrintable(status.error().message));
        const GroupStatus &g = status->first().groups.first();
        QCOMPARE(g.lag, std::optional<qint64>(0));
        QCOMPARE(g.timeLagMs, qint64(0));
        QVERIFY(g.lagNote.contains(QLatin1String("greatest ID")));

        TrimSpec spec;
        spec.maxLen = 1; // 5-0 goes; the group has read everything
        auto p = previewTrim(*m_c, "s", spec, 70015);
        QVERIFY2(p.ok(), qPrintable(p.error().message));
        QCOMPARE(losing(p.value()), QStringList());
        QCOMPARE(p->safeGroups, QList<QByteArray>{"g"});
    }

    // The server's lag is entries-added minus the group's entries-read; a replica promoted after
    // its primary was SIGKILLed can keep an entries-read that no longer matches (the issue 10
    // review saw "lag 956" for a group that had read everything). SETID ... ENTRIESREAD 0 at
    // the last entry makes the same mismatch: nothing follows last-delivered-id, so the lag is 0.
    void lagCountedWrongWhenNothingFollows() {
        run(*m_c, {"FLUSHALL"});
        for (int i = 1; i <= 3; ++i)
            run(*m_c, {"XADD", "s", QByteArray::number(i) + "-0", "f", "v"});
        run(*m_c, {"XGROUP", "CREATE", "s", "g", "3-0", "ENTRIESREAD", "0"});
        QCOMPARE(run(*m_c, {"XINFO", "GROUPS", "s"}).at(0).field("lag")->integer(), 3);

        auto status = fetchStreamStatus(*m_c, {"s"}, 70015);
        QVERIFY2(status.ok(), qPrintable(status.error().message));
        const GroupStatus &g = status->first().groups.first();
        QCOMPARE(g.lag, std::optional<qint64>(0));
        QVERIFY2(g.lagNote.contains(QLatin1String("the server counted 3")), qPrintable(g.lagNote));

        // One more entry: now something does follow, and the server's figure stands.
        run(*m_c, {"XADD", "s", "4-0", "f", "v"});
        auto after = fetchStreamStatus(*m_c, {"s"}, 70015);
        QVERIFY2(after.ok(), qPrintable(after.error().message));
        QCOMPARE(after->first().groups.first().lag, std::optional<qint64>(4));
    }

private:
    LocalRedisServer m_server;
    std::unique_ptr<RedisConnection> m_c;
    RedisReply m_ids;
};

QTEST_MAIN(TestTrim)
#include "tst_trim.moc"
