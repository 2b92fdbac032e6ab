#include "EntryDetailView.h"
#include "LiveEventModel.h"
#include "LiveEventsView.h"
#include "LiveFilterModel.h"
#include "PackedRows.h"
#include "StreamListModel.h"
#include "ValueFormat.h"

#include <QAbstractItemModelTester>
#include <QItemSelectionModel>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

using namespace streamscope;

namespace {
StreamEntryList batch(int first, int count, const QByteArray &stream = "s") {
    StreamEntryList out;
    for (int i = first; i < first + count; ++i)
        out.append(StreamEntry::make(stream, {quint64(1700000000000 + i), 0},
                                     {"seq", QByteArray::number(i)}));
    return out;
}
// Alternating streams a and b, seq = the entry's number.
StreamEntryList mixed(int first, int count) {
    StreamEntryList out;
    for (int i = first; i < first + count; ++i)
        out += batch(i, 1, i % 2 ? "b" : "a");
    return out;
}

void compareEntries(const StreamEntry &got, const StreamEntry &want) {
    QCOMPARE(got.stream, want.stream);
    QCOMPARE(got.id, want.id);
    QCOMPARE(got.deleted, want.deleted);
    QCOMPARE(got.fields(), want.fields());
}
} // namespace

class TestLiveEventModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void batchesCoalesceIntoOneInsert() {
        LiveEventModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
        model.appendBatch(batch(0, 10));
        model.appendBatch(batch(10, 5));
        QCOMPARE(model.rowCount(), 0); // nothing until the timer flushes
        QTRY_COMPARE(model.rowCount(), 15);
        QCOMPARE(inserts.size(), 1);
        QCOMPARE(inserts.first().at(1).toInt(), 0);
        QCOMPARE(inserts.first().at(2).toInt(), 14);
    }

    void columnsFormatEntries() {
        LiveEventModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.appendBatch({StreamEntry::make("order-events", {1700000000123, 4},
                                             {"type", "order.created", "bin", "\xff"})});
        model.flush();
        QCOMPARE(model.columnCount(), int(LiveEventModel::ColumnCount));
        QCOMPARE(model.index(0, LiveEventModel::StreamColumn).data().toString(),
                 QStringLiteral("order-events"));
        QCOMPARE(model.index(0, LiveEventModel::IdColumn).data().toString(),
                 QStringLiteral("1700000000123-4"));
        QCOMPARE(model.index(0, LiveEventModel::FieldsColumn).data().toString(),
                 QStringLiteral("type=order.created bin=\\xff"));
        QCOMPARE(
            model.index(0, LiveEventModel::TimeColumn).data().toString(),
            QDateTime::fromMSecsSinceEpoch(1700000000123).toString(QStringLiteral("HH:mm:ss.zzz")));
        const auto entry = model.index(0, 0).data(LiveEventModel::EntryRole).value<StreamEntry>();
        QCOMPARE(entry.value("type"), QByteArray("order.created"));
    }

    void capDropsOldest() {
        LiveEventModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setRowCap(100);
        model.appendBatch(batch(0, 60));
        model.flush();
        model.appendBatch(batch(60, 70));
        model.flush();
        QCOMPARE(model.rowCount(), 100);
        QCOMPARE(model.entry(0).value("seq"), QByteArray("30"));
        QCOMPARE(model.entry(99).value("seq"), QByteArray("129"));
        QCOMPARE(model.droppedRows(), qint64(30));

        // A batch bigger than the cap keeps only its newest rows.
        model.appendBatch(batch(130, 250));
        model.flush();
        QCOMPARE(model.rowCount(), 100);
        QCOMPARE(model.entry(0).value("seq"), QByteArray("280"));
        QCOMPARE(model.entry(99).value("seq"), QByteArray("379"));

        // Lowering the cap trims at once.
        model.setRowCap(10);
        QCOMPARE(model.rowCount(), 10);
        QCOMPARE(model.entry(0).value("seq"), QByteArray("370"));
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    // Across chunk boundaries (4,096 rows a chunk): rows leave oldest first, in blocks of
    // whatever each flush brings, and the memory of whole chunks goes with them.
    void evictionAtTheCapKeepsTheNewestInOrder() {
        LiveEventModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCap(), 1000000);
        const int cap = 3 * PackedRows::chunkRows + 17;
        model.setRowCap(cap);
        QSignalSpy removals(&model, &QAbstractItemModel::rowsRemoved);
        int next = 0;
        for (int round = 0; round < 12; ++round) {
            const int count = 1000 + round * 397;
            model.appendBatch(batch(next, count));
            next += count;
            model.flush();
        }
        QCOMPARE(model.rowCount(), cap);
        QCOMPARE(model.droppedRows(), qint64(next - cap));
        QCOMPARE(model.rowNumber(0), qint64(next - cap));
        for (int row = 0; row < cap; ++row)
            QCOMPARE(model.id(row).ms, quint64(1700000000000 + next - cap + row));
        QCOMPARE(model.entry(0).value("seq"), QByteArray::number(next - cap));
        QCOMPARE(model.entry(cap - 1).value("seq"), QByteArray::number(next - 1));
        // Each flush past the cap removed its rows in one block, from the top.
        QVERIFY(!removals.isEmpty());
        for (const QList<QVariant> &r : std::as_const(removals))
            QCOMPARE(r.at(1).toInt(), 0);
        // The rows leave with their memory: no more than the rows held and one chunk's worth.
        const qsizetype held = model.heldBytes();
        model.appendBatch(batch(next, cap));
        model.flush();
        QCOMPARE(model.rowCount(), cap);
        QVERIFY2(model.heldBytes() < held * 5 / 4,
                 qPrintable(QStringLiteral("%1 then %2 bytes").arg(held).arg(model.heldBytes())));
    }

    void packedRowsGiveBackTheEntry_data() {
        QTest::addColumn<QList<QByteArray>>("fields");
        QTest::addColumn<bool>("deleted");
        QTest::newRow("text") << QList<QByteArray>{"type", "order.created", "amount", "4711"}
                              << false;
        QTest::newRow("binary") << QList<QByteArray>{"bin", QByteArray("\xff\x00\x01\xfe", 4),
                                                     QByteArray("n\0ame", 5), "v"}
                                << false;
        QTest::newRow("empty name and value") << QList<QByteArray>{"", "", "k", ""} << false;
        QTest::newRow("no fields") << QList<QByteArray>{} << false;
        QTest::newRow("deleted") << QList<QByteArray>{} << true;
        QTest::newRow("large value") << QList<QByteArray>{"blob", QByteArray(200000, 'x')} << false;
        QList<QByteArray> many;
        for (int i = 0; i < 500; ++i)
            many << "f" + QByteArray::number(i) << QByteArray::number(i * 7);
        QTest::newRow("500 fields") << many << false;
        QTest::newRow("utf-8") << QList<QByteArray>{"name", "Zoë ☕"} << false;
    }

    void packedRowsGiveBackTheEntry() {
        QFETCH(QList<QByteArray>, fields);
        QFETCH(bool, deleted);
        LiveEventModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        StreamEntryList in;
        EntryBuilder builder(&in);
        builder.beginEntry("before", {1, 1});
        builder.appendString("x", 1);
        builder.appendString("y", 1);
        builder.beginEntry(QByteArray("odd\xffstream", 10), {1700000000999, 42});
        if (deleted)
            builder.markDeleted();
        for (const QByteArray &f : fields)
            builder.appendString(f.constData(), f.size());
        builder.beginEntry("after", {2, 2});
        builder.finish();
        model.appendBatch(in);
        model.flush();
        QCOMPARE(model.rowCount(), 3);
        const StreamEntry &want = in.at(1);
        compareEntries(model.entry(1), want);
        compareEntries(model.index(1, 0).data(LiveEventModel::EntryRole).value<StreamEntry>(),
                       want);
        QCOMPARE(model.index(1, LiveEventModel::FieldsColumn).data().toString(),
                 valueformat::entrySummary(want, 300));
        QCOMPARE(model.index(1, LiveEventModel::StreamColumn).data().toString(),
                 valueformat::singleLine(want.stream, 80));
        QCOMPARE(model.index(1, LiveEventModel::IdColumn).data().toString(),
                 QStringLiteral("1700000000999-42"));
        QCOMPARE(model.index(1, 0).data(LiveEventModel::StreamNameRole).toByteArray(), want.stream);
        // Its neighbours are untouched by it.
        compareEntries(model.entry(0), in.at(0));
        compareEntries(model.entry(2), in.at(2));
        for (int i = 0; i + 1 < fields.size(); i += 2)
            QCOMPARE(model.rows().value(1, fields.at(i)).toByteArray(), want.value(fields.at(i)));
        QVERIFY(model.rows().value(1, "no such field").isNull());
    }

    // The view's own filter: the rows of the chosen streams, in order, while rows come and leave
    // at the cap; an empty choice shows every row.
    void filterFollowsTheCap() {
        LiveEventModel model;
        LiveFilterModel filter(&model);
        QAbstractItemModelTester tester(&filter,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setRowCap(5000);
        model.appendBatch(mixed(0, 3000));
        model.flush();
        QVERIFY(filter.setStreams({"b"}));
        QVERIFY(!filter.setStreams({"b"}));
        QCOMPARE(filter.rowCount(), 1500);
        int next = 3000;
        for (int round = 0; round < 6; ++round) {
            model.appendBatch(mixed(next, 1999));
            next += 1999;
            model.flush();
            QCOMPARE(model.rowCount(), qMin(next, 5000));
            int bs = 0;
            for (int row = 0; row < model.rowCount(); ++row)
                bs += model.stream(row) == "b";
            QCOMPARE(filter.rowCount(), bs);
            for (int row = 0; row < filter.rowCount(); ++row) {
                const int source = filter.sourceRow(row);
                QCOMPARE(model.stream(source), QByteArray("b"));
                QCOMPARE(filter.rowOf(source), row);
                if (row > 0)
                    QCOMPARE(source, filter.sourceRow(row - 1) + 2);
            }
            QCOMPARE(filter.index(0, LiveEventModel::StreamColumn).data().toString(),
                     QStringLiteral("b"));
        }
        QCOMPARE(filter.rowOf(model.stream(0) == "a" ? 0 : 1), -1);
        // A stream first seen after the choice is filtered too.
        model.appendBatch(batch(next, 10, "c"));
        model.flush();
        QCOMPARE(model.stream(model.rowCount() - 1), QByteArray("c"));
        QCOMPARE(model.stream(filter.sourceRow(filter.rowCount() - 1)), QByteArray("b"));
        QVERIFY(filter.setStreams({"c", "a"}));
        QCOMPARE(filter.rowCount(), 2500 - 5 + 10);
        QVERIFY(filter.setStreams({}));
        QCOMPARE(filter.rowCount(), model.rowCount());
        QCOMPARE(filter.sourceRow(17), 17);
        model.clear();
        QCOMPARE(filter.rowCount(), 0);
    }

    // The selected entry is kept while its row stays (the row number moves as older rows leave)
    // and cleared when its row leaves at the cap; the details go on showing it either way.
    void selectionAtTheCap() {
        LiveEventsView view;
        LiveEventModel *model = view.model();
        model->setRowCap(100);
        model->appendBatch(batch(0, 100));
        model->flush();
        view.table()->selectRow(60);
        QCOMPARE(view.table()->selectionModel()->selectedRows().size(), 1);
        const QString shown = view.detail()->toPlainText();
        QVERIFY2(shown.contains(QStringLiteral("60")), qPrintable(shown));

        model->appendBatch(batch(100, 50)); // rows 0..49 leave: the entry is on row 10 now
        model->flush();
        const QModelIndexList selected = view.table()->selectionModel()->selectedRows();
        QCOMPARE(selected.size(), 1);
        QCOMPARE(selected.first().row(), 10);
        QCOMPARE(model->entry(10).value("seq"), QByteArray("60"));

        model->appendBatch(batch(150, 30)); // and now it leaves
        model->flush();
        QVERIFY(view.table()->selectionModel()->selectedRows().isEmpty());
        QCOMPARE(view.detail()->toPlainText(), shown);

        // Filtered: the details' entry is selected again where it is shown, by stream and ID.
        view.table()->selectRow(99);
        QCOMPARE(view.detail()->toPlainText().contains(QStringLiteral("179")), true);
        view.setStreamFilter({"other"});
        QVERIFY(view.table()->selectionModel()->selectedRows().isEmpty());
        view.setStreamFilter({"s"});
        QCOMPARE(view.table()->selectionModel()->selectedRows().value(0).row(), 99);
    }

    void findGoesOverEveryRow() {
        LiveEventsView view;
        view.model()->setRowCap(10000);
        view.model()->appendBatch(mixed(0, 10000));
        view.model()->flush();
        view.setStreamFilter({"a"}); // find looks at every row, not only those shown
        const StreamEntryList found = view.find("seq", "9999");
        QCOMPARE(found.size(), 1);
        compareEntries(found.first(), mixed(9999, 1).first());
        QVERIFY(view.find("seq", "10000").isEmpty());
        QVERIFY(view.find("nope", "1").isEmpty());
    }

    void streamListRates() {
        StreamListModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        StreamInfo a;
        a.name = "a";
        a.length = 10;
        a.entriesAdded = 100;
        StreamInfo b;
        b.name = "b";
        b.length = 5; // a server before 7.0: no entries-added, the rate comes from the length
        model.setStreams({a, b}, 1000);
        QCOMPARE(model.rowCount(), 2);
        a.entriesAdded = 150;
        b.length = 9;
        model.setStreams({a, b}, 3000);
        QCOMPARE(model.rate("a"), 25.0);
        QCOMPARE(model.rate("b"), 2.0);
        QCOMPARE(model.index(0, StreamListModel::RateColumn).data().toString(),
                 QStringLiteral("25.0"));
        model.setStreams({b}, 4000);
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.names(), QList<QByteArray>{"b"});
    }
};

QTEST_MAIN(TestLiveEventModel)
#include "tst_liveeventmodel.moc"
