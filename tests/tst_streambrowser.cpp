// The stream browser against a real server: a 1,000,000-entry stream paged through by ID,
// jumps to a time and an ID that read both ways, Newer/Older paging, filters (as you type) with
// honest counts, export of what the filter keeps, read-only in place, columns sized by the font.
#include "EntryDetailView.h"
#include "ExportDialog.h"
#include "GroupActions.h"
#include "StreamBrowser.h"
#include "StreamBrowserModel.h"
#include "TestRedis.h"
#include "ValueDialog.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QComboBox>
#include <QFile>
#include <QFontDatabase>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace streamscope;
using namespace streamscope::test;

class TestStreamBrowser : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        STREAMSCOPE_START_REDIS(m_server);
        m_c = connectTo(m_server.settings());
        // 1,000,000 entries, pipelined 10,000 at a time.
        for (int first = 0; first < 1000000; first += 10000) {
            QList<Command> batch;
            for (int i = first; i < first + 10000; ++i)
                batch.append({"XADD", "big", "*", "seq", QByteArray::number(i)});
            QVERIFY(m_c->pipeline(batch, 60000).ok());
        }
        QCOMPARE(run(*m_c, {"XLEN", "big"}).integer(), 1000000);
        // One entry a minute from a known moment, with fields to filter on.
        m_base = QDateTime(QDate(2026, 11, 25), QTime(12, 0)).toMSecsSinceEpoch();
        for (int i = 0; i < 60; ++i)
            run(*m_c,
                {"XADD", "timed", QByteArray::number(m_base + i * 60000) + "-0", "type",
                 i % 3 ? "order.created" : "payment.failed", "orderId",
                 QByteArray::number(4700 + i), "note", i == 42 ? "needle in a haystack" : "x"});
        // 2,000 entries, one a second: more than a page on each side of a moment in the middle.
        m_spreadBase = QDateTime(QDate(2026, 11, 24), QTime(10, 0)).toMSecsSinceEpoch();
        QList<Command> spread;
        for (int i = 0; i < 2000; ++i)
            spread.append({"XADD", "spread", QByteArray::number(m_spreadBase + i * 1000) + "-0",
                           "i", QByteArray::number(i), "kind", i % 100 == 0 ? "rare" : "common"});
        QVERIFY(m_c->pipeline(spread, 60000).ok());
    }

    void pagesThroughAMillionEntries() {
        GroupActions requests(m_server.settings());
        StreamBrowser browser;
        browser.setRequests(&requests);
        StreamBrowserModel *model = browser.model();
        // No QAbstractItemModelTester here: it re-checks every row on each insert (O(n^2) over a
        // million rows); the other tests attach it.
        browser.openStream("big");
        QTRY_COMPARE(model->rowCount(), StreamBrowserModel::pageSize);
        QCOMPARE(model->entry(0).value("seq"), QByteArray("999999")); // newest first
        QVERIFY(!model->atEnd());
        // Scroll back to the very first entry, page by page.
        int pages = 1;
        while (!model->atEnd()) {
            QVERIFY(
                QTest::qWaitFor([&] { return model->canFetchMore({}) || model->atEnd(); }, 10000));
            if (model->atEnd())
                break;
            model->fetchMore({});
            ++pages;
            QVERIFY(QTest::qWaitFor([&] { return !model->isLoading(); }, 10000));
        }
        QCOMPARE(model->rowCount(), 1000000);
        QCOMPARE(pages, 1000000 / StreamBrowserModel::pageSize + 1); // the last page is empty
        // Every entry exactly once, newest to oldest.
        for (int row = 0; row < 1000000; row += 997)
            QCOMPARE(model->entry(row).value("seq").toInt(), 999999 - row);
        QCOMPARE(model->entry(999999).value("seq"), QByteArray("0"));
        QVERIFY(browser.matchText().contains(QLatin1String("the whole stream")));
    }

    void jumpsToATimeAndAnId() {
        GroupActions requests(m_server.settings());
        StreamBrowser browser;
        browser.setRequests(&requests);
        StreamBrowserModel *model = browser.model();
        QAbstractItemModelTester tester(model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        browser.openStream("timed", PageStart::atTime(m_base + 30 * 60000 + 59000)); // 12:30:59
        QTRY_COMPARE(model->rowCount(), 31);
        QCOMPARE(model->entry(0).value("orderId"), QByteArray("4730"));
        QCOMPARE(model->entry(30).value("orderId"), QByteArray("4700"));

        // Read back from a moment: what is newer is one "Newer" away.
        QVERIFY(!model->atNewest());
        QTRY_VERIFY(browser.newerButton()->isEnabled());
        QVERIFY(!browser.matchText().contains(QLatin1String("whole stream")));
        browser.showNewer();
        QTRY_COMPARE(model->rowCount(), 60);
        QCOMPARE(model->entry(0).value("orderId"), QByteArray("4759"));
        QVERIFY(model->atNewest());

        // Typed into the jump field, as a user would: entries before and after the moment, the
        // one at the moment selected.
        browser.jumpEdit()->setText(QStringLiteral("2026-11-25 12:10"));
        browser.jump();
        QTRY_COMPARE(model->rowCount(), 60);
        QTRY_VERIFY(browser.view()->currentIndex().isValid());
        QCOMPARE(browser.view()
                     ->currentIndex()
                     .siblingAtColumn(0)
                     .data(StreamBrowserModel::EntryRole)
                     .value<StreamEntry>()
                     .value("orderId"),
                 QByteArray("4710"));
        browser.jumpEdit()->setText(QString::number(m_base + 5 * 60000) + QStringLiteral("-0"));
        browser.jump();
        QTRY_VERIFY(browser.view()->currentIndex().isValid());
        QCOMPARE(browser.view()
                     ->currentIndex()
                     .siblingAtColumn(0)
                     .data(StreamBrowserModel::EntryRole)
                     .value<StreamEntry>()
                     .value("orderId"),
                 QByteArray("4705"));
        // Before the first entry: nothing older, every entry after it. With a date: "11:00"
        // alone means today, which is only the entries' day until midnight.
        browser.jumpEdit()->setText(QStringLiteral("2026-11-25 11:00"));
        browser.jump();
        QTRY_COMPARE(model->rowCount(), 60);
        QCOMPARE(model->entry(59).value("orderId"), QByteArray("4700"));
        QVERIFY(model->atOldest());
        // After the last entry: nothing newer, entries before it.
        browser.jumpEdit()->setText(QStringLiteral("2026-11-25 13:30"));
        browser.jump();
        QTRY_COMPARE(model->rowCount(), 60);
        QVERIFY(model->atNewest());
    }

    // A moment in the middle of a long stream: entries before and after it, "Newer" pages
    // forward to the newest entry and "Older" back to the first; the label never claims the
    // whole stream until both ends are in.
    void jumpReadsBothWaysAndPagesToTheEnds() {
        GroupActions requests(m_server.settings());
        StreamBrowser browser;
        browser.setRequests(&requests);
        StreamBrowserModel *model = browser.model();
        QAbstractItemModelTester tester(model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        browser.openStream("spread");
        QTRY_COMPARE(model->rowCount(), StreamBrowserModel::pageSize);
        const QDateTime middle = QDateTime::fromMSecsSinceEpoch(m_spreadBase + 1000 * 1000);
        browser.jumpEdit()->setText(middle.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
        browser.jump();
        QTRY_VERIFY(!model->isLoading() && model->rowCount() == StreamBrowserModel::pageSize);
        const int after = StreamBrowserModel::pageSize - olderShare(StreamBrowserModel::pageSize);
        QCOMPARE(model->entry(0).value("i").toInt(), 1000 + after);   // after the moment
        QCOMPARE(model->entry(after).value("i"), QByteArray("1000")); // at the moment
        QCOMPARE(model->entry(StreamBrowserModel::pageSize - 1).value("i").toInt(),
                 1000 - olderShare(StreamBrowserModel::pageSize) + 1); // before it
        QVERIFY(!model->atNewest());
        QVERIFY(!model->atOldest());
        QTRY_COMPARE(browser.matchText(), QStringLiteral("500 of 2,000 entries loaded"));

        int clicks = 0;
        while (!model->atNewest() && clicks < 10) {
            QTRY_VERIFY(browser.newerButton()->isEnabled());
            browser.newerButton()->click();
            ++clicks;
            QTRY_VERIFY(!model->isLoading());
        }
        QCOMPARE(clicks, 2); // 500, then the last 249
        if (const QByteArray dir = qgetenv("STREAMSCOPE_SHOTS"); !dir.isEmpty()) {
            browser.resize(1000, 600);
            browser.grab().save(QString::fromUtf8(dir) + QStringLiteral("/browser-newer.png"));
        }
        QCOMPARE(model->entry(0).value("i"), QByteArray("1999"));
        // Every entry once, newest first, with no gap where the pages meet.
        for (int row = 0; row < model->rowCount(); ++row)
            QCOMPARE(model->entry(row).value("i").toInt(), 1999 - row);
        QVERIFY(!browser.matchText().contains(QLatin1String("whole stream")));

        while (!model->atOldest() && clicks < 20) {
            QTRY_VERIFY(browser.olderButton()->isEnabled());
            browser.olderButton()->click();
            ++clicks;
            QTRY_VERIFY(!model->isLoading());
        }
        QCOMPARE(model->rowCount(), 2000);
        QCOMPARE(model->entry(1999).value("i"), QByteArray("0"));
        QVERIFY(!browser.olderButton()->isEnabled());
        QTRY_COMPARE(browser.matchText(),
                     QStringLiteral("2,000 entries loaded (the whole stream)"));
        // The poller sees the stream grow: what is loaded is no longer the whole stream.
        StreamInfo grown;
        grown.name = model->stream();
        grown.length = 2003;
        browser.setStreamLengths({grown});
        QCOMPARE(browser.matchText(), QStringLiteral("2,000 of 2,003 entries loaded"));
    }

    // Near the first entry the older side ends at once: that is not the whole stream.
    void labelNeverClaimsTheWholeStreamWhenPartIsLoaded() {
        GroupActions requests(m_server.settings());
        StreamBrowser browser;
        browser.setRequests(&requests);
        browser.openStream("spread", PageStart::atOrBefore({quint64(m_spreadBase + 10 * 1000), 0}));
        QTRY_COMPARE(browser.model()->rowCount(), 11);
        QVERIFY(browser.model()->atOldest());
        QTRY_COMPARE(browser.matchText(), QStringLiteral("11 of 2,000 entries loaded"));
        browser.valueEdit()->setText(QStringLiteral("rare"));
        QVERIFY(browser.applyFilter());
        QTRY_COMPARE(browser.matchText(),
                     QStringLiteral("1 of 11 loaded entries matches; the stream has 2,000: load "
                                    "more or export to search all"));
    }

    // Typing filters by itself once the typing pauses, without Enter.
    void filterAppliesAsYouType() {
        GroupActions requests(m_server.settings());
        StreamBrowser browser;
        browser.setRequests(&requests);
        browser.show();
        browser.openStream("timed");
        QTRY_COMPARE(browser.model()->rowCount(), 60);
        QCOMPARE(browser.filter()->rowCount(), 60);
        QTest::keyClicks(browser.valueEdit(), QStringLiteral("payment"));
        QCOMPARE(browser.filter()->rowCount(), 60); // not on every key
        QTRY_COMPARE_WITH_TIMEOUT(browser.filter()->rowCount(), 20, 2000);
        QCOMPARE(browser.matchText(),
                 QStringLiteral("20 of 60 loaded entries match (the whole stream)"));
        QTest::keyClick(browser.valueEdit(), Qt::Key_Backspace);
        QTest::keyClicks(browser.valueEdit(), QStringLiteral("x"));
        QTRY_COMPARE_WITH_TIMEOUT(browser.filter()->rowCount(), 0, 2000);
    }

    // "Export..." offers the entries the filter keeps, and exactly those are written.
    void exportsTheMatchingEntries() {
        GroupActions requests(m_server.settings());
        StreamBrowser browser;
        browser.setRequests(&requests);
        browser.openStream("timed");
        QTRY_COMPARE(browser.model()->rowCount(), 60);
        browser.fieldEdit()->setText(QStringLiteral("type"));
        browser.valueEdit()->setText(QStringLiteral("payment.failed"));
        QVERIFY(browser.applyFilter());
        QSignalSpy asked(&browser, &StreamBrowser::exportRequested);
        QPushButton *exportButton = nullptr;
        for (QPushButton *b : browser.findChildren<QPushButton *>())
            if (b->text() == QLatin1String("Export..."))
                exportButton = b;
        QVERIFY(exportButton);
        exportButton->click();
        QCOMPARE(asked.size(), 1);
        const auto choices = asked.first().first().value<ExportChoices>();
        QCOMPARE(choices.matching.size(), 20);
        QCOMPARE(choices.loaded.size(), 60);

        ExportDialog dialog(choices, m_server.settings());
        QCOMPARE(dialog.choice(), ExportDialog::Choice::Matching); // what the user looks at
        QTemporaryDir dir;
        dialog.pathEdit()->setText(dir.filePath(QStringLiteral("matching.jsonl")));
        QSignalSpy done(&dialog, &ExportDialog::exported);
        QVERIFY(dialog.start());
        QTRY_COMPARE(done.size(), 1);
        QFile file(dir.filePath(QStringLiteral("matching.jsonl")));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), 20);
        for (int i = 0; i < lines.size(); ++i) {
            const QJsonObject o = QJsonDocument::fromJson(lines.at(i)).object();
            QCOMPARE(o.value("id").toString(), choices.matching.at(i).id.toString());
            QCOMPARE(o.value("fields").toObject().value("type").toString(),
                     QStringLiteral("payment.failed"));
        }
        QVERIFY(dialog.messageText().contains(QLatin1String("Wrote exactly 20 entries")));
    }

    // Read-only switches the write actions in place: nothing is reloaded, an open trim dialog
    // follows.
    void readOnlyInPlace() {
        GroupActions requests(m_server.settings());
        StreamBrowser browser;
        browser.setRequests(&requests);
        browser.openStream("timed");
        QTRY_COMPARE(browser.model()->rowCount(), 60);
        QAction *del = nullptr;
        for (QAction *a : browser.view()->actions())
            if (a->text().startsWith(QLatin1String("Delete")))
                del = a;
        QVERIFY(del);
        QVERIFY(del->isEnabled());
        QSignalSpy reset(browser.model(), &QAbstractItemModel::modelReset);
        QSignalSpy wanted(browser.model(), &StreamBrowserModel::pageWanted);
        browser.setReadOnly(true);
        QVERIFY(browser.isReadOnly());
        QVERIFY(!del->isEnabled());
        QCOMPARE(browser.model()->rowCount(), 60);
        browser.setReadOnly(false);
        QVERIFY(del->isEnabled());

        QPushButton *trim = browser.findChild<QPushButton *>(QStringLiteral("trimButton"));
        trim->click();
        QVERIFY(browser.trimDialog());
        TrimDialog *dialog = browser.trimDialog();
        dialog->valueEdit()->setText(QStringLiteral("50"));
        dialog->preview();
        QTRY_VERIFY(dialog->canTrim());
        browser.setReadOnly(true);
        QVERIFY(!dialog->canTrim());
        QVERIFY(dialog->previewText().contains(QLatin1String("10"))); // the preview stays
        browser.setReadOnly(false);
        QVERIFY(dialog->canTrim());
        dialog->close();
        QTest::qWait(50);
        QCOMPARE(reset.size(), 0);
        QCOMPARE(wanted.size(), 0);
        QCOMPARE(browser.model()->rowCount(), 60);
    }

    // The ID and time columns fit their text at any font size.
    void columnsFitTheFont() {
        StreamBrowser browser;
        const QString time = QStringLiteral("2026-11-25 21:38:54.000");
        for (int pointSize : {9, 18, 30}) {
            QFont font = browser.font();
            font.setPointSize(pointSize);
            browser.setFont(font);
            const QFontMetrics fm(browser.view()->font());
            QVERIFY2(browser.view()->columnWidth(StreamBrowserModel::TimeColumn)
                         > fm.horizontalAdvance(time),
                     qPrintable(QString::number(pointSize)));
            QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
            fixed.setPointSize(pointSize);
            QVERIFY(browser.view()->columnWidth(StreamBrowserModel::IdColumn)
                    > QFontMetrics(fixed).horizontalAdvance(QStringLiteral("1764094734000-0")));
        }
    }

    void parseJump_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QString>("id");
        const QDate day(2026, 11, 25);
        const qint64 at1405 = QDateTime(day, QTime(14, 5)).toMSecsSinceEpoch();
        QTest::newRow("time") << "14:05" << true
                              << QStringLiteral("%1-18446744073709551615").arg(at1405);
        QTest::newRow("date and time")
            << "2026-11-25 14:05" << true << QStringLiteral("%1-18446744073709551615").arg(at1405);
        QTest::newRow("id") << "1700000000000-3" << true << "1700000000000-3";
        QTest::newRow("empty: newest") << "" << true << "0-0";
        QTest::newRow("nonsense") << "yesterday" << false << "";
        QTest::newRow("bad id") << "12-x" << false << "";
    }
    void parseJump() {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        QFETCH(QString, id);
        auto start = StreamBrowser::parseJump(text, QDate(2026, 11, 25));
        QCOMPARE(start.ok(), valid);
        if (valid)
            QCOMPARE(start->id.toString(), id);
        else
            QVERIFY(!start.error().message.isEmpty());
    }

    void filtersCountMatches() {
        GroupActions requests(m_server.settings());
        StreamBrowser browser;
        browser.setRequests(&requests);
        browser.openStream("timed");
        QTRY_COMPARE(browser.model()->rowCount(), 60);
        browser.fieldEdit()->setText(QStringLiteral("type"));
        browser.valueEdit()->setText(QStringLiteral("payment.failed"));
        browser.modeBox()->setCurrentIndex(1); // equals
        QVERIFY(browser.applyFilter());
        QCOMPARE(browser.filter()->rowCount(), 20);
        QCOMPARE(browser.matchText(),
                 QStringLiteral("20 of 60 loaded entries match (the whole stream)"));

        browser.fieldEdit()->clear(); // any field
        browser.valueEdit()->setText(QStringLiteral("NEEDLE"));
        browser.modeBox()->setCurrentIndex(0); // contains, case-insensitive
        QVERIFY(browser.applyFilter());
        QCOMPARE(browser.filter()->rowCount(), 1);

        browser.fieldEdit()->setText(QStringLiteral("orderId"));
        browser.valueEdit()->setText(QStringLiteral("^47[0-1]\\d$"));
        browser.modeBox()->setCurrentIndex(2); // regex
        QVERIFY(browser.applyFilter());
        QCOMPARE(browser.filter()->rowCount(), 20);

        browser.valueEdit()->setText(QStringLiteral("(unclosed"));
        QVERIFY(!browser.applyFilter()); // a bad regex keeps the previous filter
        QCOMPARE(browser.filter()->rowCount(), 20);
    }

    void missingStreamAndWrongType() {
        GroupActions requests(m_server.settings());
        StreamBrowser browser;
        browser.setRequests(&requests);
        browser.openStream("no-such-stream");
        QTRY_VERIFY(browser.model()->atEnd() && !browser.model()->isLoading());
        QCOMPARE(browser.model()->rowCount(), 0);
        run(*m_c, {"SET", "plain", "x"});
        QSignalSpy failed(browser.model(), &StreamBrowserModel::failed);
        browser.openStream("plain");
        QTRY_COMPARE(failed.size(), 1);
        QVERIFY(failed.first().first().toString().contains(QLatin1String("WRONGTYPE")));
    }

    // "Copy as XADD" gives a command that redis-cli turns back into the same entry, byte for
    // byte; "Copy as JSON" gives valid JSON.
    void copiesRecreateTheEntry() {
        const QByteArray binary("\x00\xff\x01", 3);
        const QByteArray id = run(*m_c, {"XADD", "copy me", "*", "plain", "v", "with space", "a b",
                                         "quote\"s", "say \"hi\"\n", "bin", binary, "empty", ""})
                                  .bytes();
        GroupActions requests(m_server.settings());
        StreamBrowser browser;
        browser.setRequests(&requests);
        browser.openStream("copy me");
        QTRY_COMPARE(browser.model()->rowCount(), 1);
        browser.view()->selectRow(0);

        const QByteArray json = browser.selectedAsJson();
        QJsonParseError error;
        const QJsonObject o = QJsonDocument::fromJson(json, &error).object();
        QCOMPARE(error.error, QJsonParseError::NoError);
        QCOMPARE(o.value("id").toString(), QString::fromLatin1(id));
        QCOMPARE(o.value("fields").toObject().value("with space").toString(),
                 QStringLiteral("a b"));

        const QByteArray xadd = browser.selectedAsXadd();
        QVERIFY(xadd.startsWith("XADD \"copy me\" " + id + " plain v"));
        const RedisReply original = run(*m_c, {"XRANGE", "copy me", "-", "+"});
        run(*m_c, {"RENAME", "copy me", "copy me (original)"});
        QProcess cli;
        cli.start(QStringLiteral("redis-cli"),
                  {QStringLiteral("-p"), QString::number(m_server.port())});
        QVERIFY2(cli.waitForStarted(), "redis-cli (redis-tools) is needed for this test");
        cli.write(xadd);
        cli.closeWriteChannel();
        QVERIFY(cli.waitForFinished(10000));
        QCOMPARE(cli.readAllStandardOutput().trimmed(), id);
        QCOMPARE(run(*m_c, {"XRANGE", "copy me", "-", "+"}), original);
    }

    void hugeValuesOpenWhole() {
        // A 16 MB value and a 1 MB JSON document, read back from the server.
        QByteArray huge(16 * 1024 * 1024, 'x');
        for (qsizetype i = 0; i < huge.size(); i += 1000)
            huge[i] = char('a' + (i / 1000) % 26);
        QByteArray json = "{\"items\":[";
        for (int i = 0; i < 20000; ++i)
            json += (i ? ",{\"n\":" : "{\"n\":") + QByteArray::number(i)
                    + ",\"tag\":\"abcdefghijklmnopqrstuvwxyz\"}";
        json += "]}";
        run(*m_c, {"XADD", "values", "1-1", "big", huge, "doc", json});
        StreamEntryList found;
        QVERIFY(
            m_c->commandEntries({"XRANGE", "values", "-", "+"}, 0, &found, 60000, "values").ok());
        QCOMPARE(found.first().fieldValue(0).size(), huge.size());

        EntryDetailView detail;
        detail.showEntry(found.first());
        // The pane shows 64 KiB of it and offers the rest.
        const QString html = detail.toHtml();
        QVERIFY(html.contains(QLatin1String("showing the first 65,536 of 16,777,216 bytes")));
        QVERIFY(html.contains(QLatin1String("Open the whole value")));
        QVERIFY(detail.toPlainText().size() < 300 * 1024);

        // Whole: formatted on a worker, long lines broken for display, every byte there.
        ValueDialog *whole = detail.openValue(0);
        QVERIFY(whole);
        QSignalSpy ready(whole, &ValueDialog::ready);
        QVERIFY(whole->isReady() || ready.wait(30000));
        const QString shown = whole->shownText();
        QCOMPARE(shown.count(QChar(0x21b5)), int((huge.size() - 1) / ValueDialog::maxLineChars));
        QString rejoined = shown;
        rejoined.remove(QChar(0x21b5)).remove(QLatin1Char('\n'));
        QCOMPARE(rejoined.size(), huge.size());
        QVERIFY(!whole->tree()->isEnabled() || whole->tree()->topLevelItemCount() == 0);
        whole->close();

        // JSON: pretty text and a collapsible tree, collapsed below the first level.
        ValueDialog *doc = detail.openValue(1);
        QSignalSpy docReady(doc, &ValueDialog::ready);
        QVERIFY(doc->isReady() || docReady.wait(30000));
        QVERIFY(doc->shownText().startsWith(QLatin1String("{\n    \"items\": [")));
        QTreeWidgetItem *root = doc->tree()->topLevelItem(0);
        QVERIFY(root);
        QCOMPARE(root->child(0)->text(0), QStringLiteral("items"));
        QCOMPARE(root->child(0)->childCount(), 20000);
        QCOMPARE(root->child(0)->text(1), QStringLiteral("[20000]"));
        QVERIFY(root->isExpanded());
        QVERIFY(!root->child(0)->child(0)->isExpanded());
        QCOMPARE(root->child(0)->child(19999)->child(0)->text(1), QStringLiteral("19999"));
        doc->close();
    }

    void deleteAsksAndIsRefusedInReadOnly() {
        addEntries(*m_c, "del", 0, 5);
        GroupActions requests(m_server.settings());
        StreamBrowser browser;
        browser.setRequests(&requests);
        QStringList asked;
        bool answer = false;
        browser.confirm = [&](const QString &q) {
            asked << q;
            return answer;
        };
        browser.openStream("del");
        QTRY_COMPARE(browser.model()->rowCount(), 5);
        browser.view()->selectRow(0);
        browser.view()->selectionModel()->select(browser.view()->model()->index(1, 0),
                                                 QItemSelectionModel::Select
                                                     | QItemSelectionModel::Rows);
        browser.deleteSelected(); // declined
        QCOMPARE(asked,
                 QStringList{QStringLiteral("Delete 2 entries from del? This cannot be undone.")});
        QTest::qWait(200);
        QCOMPARE(run(*m_c, {"XLEN", "del"}).integer(), 5);
        answer = true;
        browser.deleteSelected();
        QTRY_COMPARE(run(*m_c, {"XLEN", "del"}).integer(), 3);
        QTRY_COMPARE(browser.model()->rowCount(), 3);
        QCOMPARE(browser.model()->entry(0).value("seq"), QByteArray("2"));

        ConnectionSettings readOnly = m_server.settings();
        readOnly.readOnly = true;
        GroupActions roRequests(readOnly);
        StreamBrowser roBrowser;
        roBrowser.setRequests(&roRequests, true);
        roBrowser.confirm = [](const QString &) { return true; };
        roBrowser.openStream("del");
        QTRY_COMPARE(roBrowser.model()->rowCount(), 3);
        roBrowser.view()->selectRow(0);
        roBrowser.deleteSelected();
        QSignalSpy done(roRequests.worker(), &GroupActionsWorker::actionFinished);
        QMetaObject::invokeMethod(roRequests.worker(),
                                  [&] { roRequests.worker()->deleteEntries("del", {"0-1"}); });
        QTRY_COMPARE(done.size(), 1);
        QVERIFY(done.first().at(1).toString().contains(QLatin1String("read-only")));
        QCOMPARE(run(*m_c, {"XLEN", "del"}).integer(), 3);
    }

private:
    LocalRedisServer m_server;
    std::unique_ptr<RedisConnection> m_c;
    qint64 m_base = 0;
    qint64 m_spreadBase = 0;
};

QTEST_MAIN(TestStreamBrowser)
#include "tst_streambrowser.moc"
