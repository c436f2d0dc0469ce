"""The Chinese address parser and normaliser."""

import pytest

from integrations.address import Address, address_normalize, address_parse


@pytest.mark.parametrize(
    "text, expected",
    [
        ("广东省深圳市罗湖区宝安南路1881号万象城L3", ("广东省", "深圳市", "罗湖区", "宝安南路1881号万象城L3")),
        ("广东省 深圳市 福田区 福华三路 88 号", ("广东省", "深圳市", "福田区", "福华三路 88 号")),
        (
            "北京朝阳区建国路 93 号万达广场 8 号楼 1506",
            ("北京市", "北京市", "朝阳区", "建国路 93 号万达广场 8 号楼 1506"),
        ),
        ("上海市上海市浦东新区张江路 1 号", ("上海市", "上海市", "浦东新区", "张江路 1 号")),
        ("深圳市南山区科技园", ("广东省", "深圳市", "南山区", "科技园")),
        ("徐汇区虹漕路461号58号楼5楼", ("上海市", "上海市", "徐汇区", "虹漕路461号58号楼5楼")),
        ("内蒙古呼和浩特市新城区新华大街 1 号", ("内蒙古自治区", "呼和浩特市", "新城区", "新华大街 1 号")),
        ("吉林省吉林市船营区北京路 2 号", ("吉林省", "吉林市", "船营区", "北京路 2 号")),
        ("浙江杭州西湖区文三路", ("浙江省", "杭州市", "西湖区", "文三路")),
        ("河南省济源市济源大道 1 号", ("河南省", "济源市", "", "济源大道 1 号")),
    ],
)
def test_one_line_addresses_split_into_their_parts(text, expected):
    assert address_parse(text) == Address(*expected)


def test_what_cannot_be_recognised_stays_in_the_detail():
    # 中山北路 is a road, not 中山市: a city is only inferred from its full name.
    assert address_parse("中山北路 30 号") == Address(detail="中山北路 30 号")


def test_normalise_jd_municipality_quirk_and_repeated_prefix():
    assert address_normalize(
        province="北京", city="朝阳区", district="三环到四环之间", detail="建国路 93 号"
    ) == Address("北京市", "北京市", "朝阳区", "建国路 93 号")
    assert address_normalize(
        province="广东省", city="深圳市", district="南山区", detail="广东省深圳市南山区粤海街道科技园南区****"
    ) == Address("广东省", "深圳市", "南山区", "粤海街道科技园南区****")
    assert address_normalize(province="浙江省", city="杭州市", detail="西湖区文三路 1 号") == Address(
        "浙江省", "杭州市", "西湖区", "文三路 1 号"
    )
