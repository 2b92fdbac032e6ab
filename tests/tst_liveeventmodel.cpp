#include "LiveEventModel.h"
#include "StreamListModel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
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
