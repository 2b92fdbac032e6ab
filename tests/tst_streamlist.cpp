// The stream list at scale (issue 14): the names come in pages of SCAN (every stream exactly
// once, through the model and its fetchMore), a filter searches the server with SCAN MATCH
// (glob characters in names taken literally unless asked for), beyond maxStreams only the
// watched streams are polled (counted with INFO commandstats), and the list says how many it
// watches of how many.
#include "ChartsView.h"
#include "LiveEventModel.h"
#include "MainWindow.h"
#include "Session.h"
#include "StreamCatalog.h"
#include "StreamListModel.h"
#include "StreamListPane.h"
#include "TestRedis.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>
#include <QToolButton>

using namespace streamscope;
using namespace streamscope::test;

namespace {

// count streams "prefix:00000".. with one entry each, pipelined.
void fill(RedisConnection &c, const QByteArray &prefix, int count) {
    QList<Command> batch;
    for (int i = 0; i < count; ++i) {
        batch.append({"XADD", prefix + ':' + QByteArray::number(i).rightJustified(5, '0'), "*",
                      "seq", QByteArray::number(i)});
        if (batch.size() == 5000 || i == count - 1) {
            auto replies = c.pipeline(batch, 60000);
            QVERIFY2(replies.ok(), qPrintable(replies.ok() ? QString() : replies.error().message));
            batch.clear();
        }
    }
}

Session::Options pagedOptions(int maxStreams, int pageSize) {
    Session::Options o;
    o.poll.catalog = true;
    o.poll.maxStreams = maxStreams;
    o.poll.pageSize = pageSize;
    o.poll.scanCount = pageSize;
    o.poll.intervalMs = 200;
    o.poll.lengthIntervalMs = 400;
    o.poll.listIntervalMs = 800;
    return o;
}

QSet<QByteArray> rowNames(const StreamListModel &model, int *duplicates) {
    QSet<QByteArray> names;
    *duplicates = 0;
    for (int row = 0; row < model.rowCount(); ++row) {
        const QByteArray name = model.index(row, 0).data(StreamListModel::NameRole).toByteArray();
        if (names.contains(name))
            ++*duplicates;
        names.insert(name);
    }
    return names;
}

} // namespace

class TestStreamList : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { STREAMSCOPE_START_REDIS(m_server); }

    void init() {
        auto c = connectTo(m_server.settings());
        run(*c, {"FLUSHALL"});
    }

    void matchPatternEscapes_data() {
        QTest::addColumn<QString>("typed");
        QTest::addColumn<bool>("glob");
        QTest::addColumn<QByteArray>("pattern");
        QTest::newRow("empty") << QString() << false << QByteArray("*");
        QTest::newRow("plain") << QStringLiteral("orders") << false << QByteArray("*orders*");
        QTest::newRow("star") << QStringLiteral("a*b") << false << QByteArray("*a\\*b*");
        QTest::newRow("all") << QStringLiteral("?[]\\") << false << QByteArray("*\\?\\[\\]\\\\*");
        QTest::newRow("glob") << QStringLiteral("a?b*") << true << QByteArray("a?b*");
        QTest::newRow("glob empty") << QString() << true << QByteArray("*");
    }
    void matchPatternEscapes() {
        QFETCH(QString, typed);
        QFETCH(bool, glob);
        QFETCH(QByteArray, pattern);
        QCOMPARE(matchPattern(typed, glob), pattern);
    }

    // The catalog alone: 20,000 streams in pages of 500, each name once, then complete.
    void catalogPagesThroughEveryStreamOnce() {
        auto c = connectTo(m_server.settings());
        fill(*c, "s", 20000);
        run(*c, {"SET", "not-a-stream", "x"});
        StreamCatalog::Options o;
        o.pageSize = 500;
        o.scanCount = 500;
        o.smallLimit = 1000;
        StreamCatalog catalog(o);
        QSet<QByteArray> seen;
        int pages = 0;
        int duplicates = 0;
        bool first = true;
        while (!catalog.isComplete() && pages < 1000) {
            auto page = catalog.nextPage(*c);
            QVERIFY2(page.ok(), qPrintable(page.ok() ? QString() : page.error().message));
            QCOMPARE(page->reset, first);
            first = false;
            QVERIFY(page->added.size() <= 500 + 500); // a page, not everything
            for (const QByteArray &n : page->added) {
                duplicates += seen.contains(n) ? 1 : 0;
                seen.insert(n);
            }
            ++pages;
        }
        QVERIFY(catalog.isComplete());
        QVERIFY(!catalog.isSmall());
        QCOMPARE(duplicates, 0);
        QCOMPARE(seen.size(), 20000);
        QVERIFY2(pages >= 20, qPrintable(QString::number(pages)));
        QVERIFY(!seen.contains("not-a-stream"));
    }

    // Through the session, the model and the view: fetchMore page after page until every one
    // of 20,000 streams is a row, exactly once.
    void listShowsEveryStreamOnce() {
        auto c = connectTo(m_server.settings());
        fill(*c, "s", 20000);
        Session session(m_server.settings(), pagedOptions(1000, 500));
        StreamListPane pane;
        pane.resize(400, 600);
        QAbstractItemModelTester tester(pane.model());
        pane.bind(&session);
        pane.show();
        session.start();
        StreamListModel *model = pane.model();
        QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() > 0, 10000);
        QVERIFY(model->rowCount() < 20000); // the first page, not all of them
        QVERIFY(model->hasMore());
        QVERIFY(pane.scopeText().contains(QLatin1String("listed so far")));
        for (int i = 0; i < 200 && model->hasMore(); ++i) {
            const int before = model->rowCount();
            model->fetchMore({});
            QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() > before || !model->hasMore(), 10000);
        }
        QVERIFY(!model->hasMore());
        int duplicates = 0;
        const QSet<QByteArray> names = rowNames(*model, &duplicates);
        QCOMPARE(duplicates, 0);
        QCOMPARE(names.size(), 20000);
        QCOMPARE(model->rowCount(), 20000);
        // Complete now: the wording says so, without "so far".
        QTRY_VERIFY(pane.scopeText().contains(QLatin1String("of 20,000 streams")));
    }

    // Names holding glob characters: the typed text is literal, unless Glob is on.
    void filterSearchesTheServerLiterally() {
        auto c = connectTo(m_server.settings());
        fill(*c, "bulk", 3000); // more than maxStreams: the filter is what finds them
        for (const QByteArray &name : {QByteArray("a*b"), QByteArray("a?b"), QByteArray("a[1]b"),
                                       QByteArray("axb"), QByteArray("a\\b")})
            run(*c, {"XADD", name, "*", "k", "v"});
        Session session(m_server.settings(), pagedOptions(1000, 1000));
        StreamListPane pane;
        pane.resize(400, 600);
        pane.bind(&session);
        pane.show();
        session.start();
        StreamListModel *model = pane.model();
        QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() > 0, 10000);

        auto shown = [model] {
            QStringList names;
            for (int row = 0; row < model->rowCount(); ++row)
                names << QString::fromUtf8(model->nameAt(row));
            names.sort();
            return names;
        };
        auto search = [&](const QString &text, bool glob) {
            pane.patternButton()->setChecked(glob);
            pane.filterEdit()->setText(text);
            pane.applyFilter();
        };
        search(QStringLiteral("a*b"), false);
        QTRY_COMPARE_WITH_TIMEOUT(shown(), QStringList{QStringLiteral("a*b")}, 10000);
        QTRY_VERIFY(pane.scopeText().contains(QLatin1String("whole server was searched")));
        QVERIFY2(pane.scopeText().startsWith(QLatin1String("1 stream match")),
                 qPrintable(pane.scopeText()));
        search(QStringLiteral("[1]"), false);
        QTRY_COMPARE_WITH_TIMEOUT(shown(), QStringList{QStringLiteral("a[1]b")}, 10000);
        search(QStringLiteral("a\\b"), false);
        QTRY_COMPARE_WITH_TIMEOUT(shown(), QStringList{QStringLiteral("a\\b")}, 10000);
        search(QStringLiteral("a?b"), true);
        QTRY_COMPARE_WITH_TIMEOUT(shown(),
                                  (QStringList{QStringLiteral("a*b"), QStringLiteral("a?b"),
                                               QStringLiteral("a\\b"), QStringLiteral("axb")}),
                                  10000);
        search(QStringLiteral("bulk:0001"), false);
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 10, 10000); // bulk:00010..00019
        // A filtered list this small is whole: every match is watched, its figures shown.
        QTRY_VERIFY_WITH_TIMEOUT(model->index(0, StreamListModel::LengthColumn).data() == "1",
                                 10000);
        search(QString(), false);
        QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() >= 1000, 10000);
    }

    // Beyond maxStreams only what is watched is polled: INFO commandstats counts the calls.
    void pollsOnlyTheWatchedStreams() {
        auto c = connectTo(m_server.settings());
        fill(*c, "w", 5000);
        for (int i = 0; i < 5000; i += 500)
            run(*c, {"XGROUP", "CREATE", "w:" + QByteArray::number(i).rightJustified(5, '0'), "g",
                     "0"});
        Session session(m_server.settings(), pagedOptions(100, 1000));
        QSignalSpy listed(&session, &Session::streamsListed);
        QSignalSpy groups(&session, &Session::groupSnapshot);
        session.start();
        QTRY_VERIFY_WITH_TIMEOUT(session.catalogState().generation > 0, 10000);
        const QList<QByteArray> watched = {"w:00000", "w:00500", "w:01000", "w:04999"};
        session.setWatchedStreams(watched);
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                if (listed.isEmpty())
                    return false;
                QSet<QByteArray> names;
                for (const StreamInfo &s : listed.last().at(0).value<StreamInfoList>())
                    names.insert(s.name);
                return names == QSet<QByteArray>(watched.cbegin(), watched.cend());
            }(),
            10000);
        QVERIFY(listed.last().at(1).toBool()); // a subset: truncated
        // Measured over a few polls from here.
        run(*c, {"CONFIG", "RESETSTAT"});
        listed.clear();
        groups.clear();
        QTRY_VERIFY_WITH_TIMEOUT(listed.size() >= 4, 10000);
        const qint64 xlen = commandCalls(*c, "xlen");
        const qint64 xinfo = commandCalls(*c, "xinfo");
        const qint64 xpending = commandCalls(*c, "xpending");
        // 4 watched streams per measurement (one a listing), never the 5,000.
        QVERIFY2(xlen > 0 && xlen <= 4 * (listed.size() + 2),
                 qPrintable(QStringLiteral("%1 XLEN in %2 polls").arg(xlen).arg(listed.size())));
        QVERIFY2(xinfo <= 4 * 3 * (groups.size() + 2), qPrintable(QString::number(xinfo)));
        QVERIFY2(xpending <= 4 * (groups.size() + 2), qPrintable(QString::number(xpending)));
        // The groups seen are the watched streams' groups, and the snapshot says it is a subset.
        QTRY_VERIFY(!groups.isEmpty());
        const GroupSnapshot snap = groups.last().at(0).value<GroupSnapshot>();
        QCOMPARE(snap.streamLimit, 4);
        for (const StreamStatus &s : snap.streams)
            QVERIFY(watched.contains(s.info.name));
        // The tail follows the watched streams only.
        QTRY_COMPARE(session.tailedCount(), 4);
    }

    // Small servers stay as they were: every stream listed, sorted, watched and tailed.
    void smallServerIsWholeAndSorted() {
        auto c = connectTo(m_server.settings());
        fill(*c, "z", 30);
        Session session(m_server.settings(), pagedOptions(100, 10));
        StreamListPane pane;
        QAbstractItemModelTester tester(pane.model());
        pane.bind(&session);
        session.start();
        QTRY_COMPARE_WITH_TIMEOUT(pane.model()->rowCount(), 30, 10000);
        QVERIFY(!pane.model()->canFetchMore({}));
        QCOMPARE(pane.model()->nameAt(0), QByteArray("z:00000"));
        QCOMPARE(pane.model()->nameAt(29), QByteArray("z:00029"));
        QTRY_COMPARE_WITH_TIMEOUT(pane.model()->watchedCount(), 30, 10000);
        QCOMPARE(pane.scopeText(), QString()); // nothing to warn about
        QTRY_COMPARE(session.tailedCount(), 30);
        // A new stream comes in its place, a deleted one goes.
        run(*c, {"XADD", "z:00005a", "*", "k", "v"});
        run(*c, {"DEL", "z:00010"});
        QTRY_VERIFY_WITH_TIMEOUT(pane.model()->rowOf("z:00005a") == 6, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(pane.model()->rowOf("z:00010"), -1, 10000);
        QCOMPARE(pane.model()->rowCount(), 30);
    }

    // The honest wording: how many are watched of how many, and who sees only them.
    void saysWhatIsWatched() {
        auto c = connectTo(m_server.settings());
        fill(*c, "h", 3000);
        Session session(m_server.settings(), pagedOptions(1000, 1000));
        StreamListPane pane;
        pane.resize(400, 400);
        pane.bind(&session);
        pane.show();
        session.start();
        QTRY_VERIFY_WITH_TIMEOUT(!pane.watchedStreams().isEmpty(), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(pane.model()->watchedCount(), int(pane.watchedStreams().size()),
                                  10000);
        const QString text = pane.scopeText();
        QVERIFY2(
            text.startsWith(QStringLiteral("Watching %1 of ").arg(pane.model()->watchedCount())),
            qPrintable(text));
        QVERIFY2(text.contains(QLatin1String("listed so far (more as you scroll)")),
                 qPrintable(text));
        QVERIFY(text.contains(QLatin1String("live tail cover only these")));
        // What is watched is what is in view (with a margin), far fewer than listed.
        QVERIFY(pane.model()->watchedCount() < 200);
        // A row out of view says it is not watched.
        const int last = pane.model()->rowCount() - 1;
        QVERIFY(!pane.model()->index(last, 0).data(StreamListModel::WatchedRole).toBool());
        QCOMPARE(pane.model()->index(last, StreamListModel::LengthColumn).data().toString(),
                 QStringLiteral("-"));
        QVERIFY(pane.model()
                    ->index(last, 0)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(QLatin1String("Not watched yet")));
        // Scrolling there watches it.
        pane.view()->scrollToBottom();
        QTRY_VERIFY_WITH_TIMEOUT(
            pane.model()->index(last, 0).data(StreamListModel::WatchedRole).toBool(), 10000);
    }

    // The charts say when their lines cover only the watched streams, as the list does, and
    // say nothing on a server small enough to be watched whole.
    void chartsSayWhenTheyCoverPart() {
        auto c = connectTo(m_server.settings());
        fill(*c, "small", 30);
        {
            MainWindow window;
            window.connectTo(m_server.settings());
            window.show();
            QTRY_COMPARE_WITH_TIMEOUT(window.streamModel()->rowCount(), 30, 10000);
            QTRY_COMPARE_WITH_TIMEOUT(window.streamModel()->watchedCount(), 30, 10000);
            QCOMPARE(window.chartsView()->scopeNote(), QString());
        }
        fill(*c, "big", 1500); // more than the window watches
        MainWindow window;
        window.connectTo(m_server.settings());
        window.show();
        QTRY_VERIFY_WITH_TIMEOUT(
            window.chartsView()->scopeNote().contains(QLatin1String("Watching")), 10000);
        QVERIFY2(window.chartsView()->scopeNote().startsWith(QLatin1String("Part of the server: ")),
                 qPrintable(window.chartsView()->scopeNote()));
        qInfo("%s", qPrintable(window.chartsView()->scopeNote()));
    }

private:
    LocalRedisServer m_server;
};

QTEST_MAIN(TestStreamList)
#include "tst_streamlist.moc"
