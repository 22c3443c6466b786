"""Reference data for seeding a city: departments, business systems, naming.

Names follow real municipal structures; the lists are data, tweak freely.
"""

from __future__ import annotations

#: (abbreviation, short name) of city-level departments (about 60).
CITY_DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("SWB", "市委办公室"),
    ("ZFB", "人民政府办公室"),
    ("RDB", "人大常委会办公室"),
    ("ZXB", "政协办公室"),
    ("JW", "纪委监委"),
    ("ZZB", "委组织部"),
    ("XCB", "委宣传部"),
    ("TZB", "委统战部"),
    ("ZFW", "委政法委"),
    ("FGW", "发展和改革委员会"),
    ("JYJ", "教育局"),
    ("KJJ", "科学技术局"),
    ("GXJ", "工业和信息化局"),
    ("MZW", "民族宗教事务委员会"),
    ("GAJ", "公安局"),
    ("MZJ", "民政局"),
    ("SFJ", "司法局"),
    ("CZJ", "财政局"),
    ("RSJ", "人力资源和社会保障局"),
    ("ZRZY", "自然资源和规划局"),
    ("STHJ", "生态环境局"),
    ("ZJJ", "住房和城乡建设局"),
    ("CGJ", "城市管理局"),
    ("JTJ", "交通运输局"),
    ("SLJ", "水利局"),
    ("NYJ", "农业农村局"),
    ("SWJ", "商务局"),
    ("WGLJ", "文化广电和旅游局"),
    ("WJW", "卫生健康委员会"),
    ("TYJR", "退役军人事务局"),
    ("YJJ", "应急管理局"),
    ("SJJ", "审计局"),
    ("GZW", "国有资产监督管理委员会"),
    ("SCJG", "市场监督管理局"),
    ("TYJ", "体育局"),
    ("TJJ", "统计局"),
    ("YBJ", "医疗保障局"),
    ("LYJ", "林业局"),
    ("XFJ", "信访局"),
    ("JGSW", "机关事务管理局"),
    ("DSJ", "大数据管理局"),
    ("XZSP", "行政审批和政务信息管理局"),
    ("RFB", "人民防空办公室"),
    ("LSJ", "粮食和物资储备局"),
    ("GXS", "供销合作社"),
    ("SWJU", "税务局"),
    ("QXJ", "气象局"),
    ("YCJ", "烟草专卖局"),
    ("YZJ", "邮政管理局"),
    ("GJJ", "住房公积金管理中心"),
    ("DAG", "档案馆"),
    ("SBZX", "社会保险中心"),
    ("JKZX", "疾病预防控制中心"),
    ("GGZY", "公共资源交易中心"),
    ("ZWFW", "政务服务中心"),
    ("CL", "残疾人联合会"),
    ("ZGH", "总工会"),
    ("TW", "团委"),
    ("FL", "妇女联合会"),
    ("KX", "科学技术协会"),
)

#: (abbreviation, short name) of county-level departments (about 30).
COUNTY_DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("WB", "委办公室"),
    ("ZFB", "人民政府办公室"),
    ("RDB", "人大常委会办公室"),
    ("ZXB", "政协办公室"),
    ("JW", "纪委监委"),
    ("ZZB", "委组织部"),
    ("XCB", "委宣传部"),
    ("FGW", "发展和改革委员会"),
    ("JYJ", "教育局"),
    ("GAJ", "公安局"),
    ("MZJ", "民政局"),
    ("SFJ", "司法局"),
    ("CZJ", "财政局"),
    ("RSJ", "人力资源和社会保障局"),
    ("ZRZY", "自然资源局"),
    ("STHJ", "生态环境分局"),
    ("ZJJ", "住房和城乡建设局"),
    ("JTJ", "交通运输局"),
    ("SLJ", "水利局"),
    ("NYJ", "农业农村局"),
    ("SWJ", "商务局"),
    ("WGLJ", "文化广电和旅游局"),
    ("WJW", "卫生健康委员会"),
    ("TYJR", "退役军人事务局"),
    ("YJJ", "应急管理局"),
    ("SJJ", "审计局"),
    ("SCJG", "市场监督管理局"),
    ("TJJ", "统计局"),
    ("YBJ", "医疗保障局"),
    ("XFJ", "信访局"),
    ("SWJU", "税务局"),
    ("ZWFW", "政务服务中心"),
    ("SBZX", "社会保险中心"),
)

#: Private VPN zones, one per vertical business system: code, name, system.
BUSINESS_SYSTEMS: tuple[tuple[str, str, str], ...] = (
    ("ZW-GA", "公安非涉密业务专网", "公安"),
    ("ZW-RS", "人社业务专网", "人社"),
    ("ZW-WJ", "卫健业务专网", "卫健"),
    ("ZW-CZ", "财政业务专网", "财政"),
    ("ZW-YB", "医保业务专网", "医保"),
    ("ZW-SW", "税务业务专网", "税务"),
)

#: Which departments use which business system's private VPN.
DEPARTMENT_SYSTEM: dict[str, str] = {
    "GAJ": "ZW-GA",
    "RSJ": "ZW-RS",
    "SBZX": "ZW-RS",
    "WJW": "ZW-WJ",
    "JKZX": "ZW-WJ",
    "CZJ": "ZW-CZ",
    "YBJ": "ZW-YB",
    "SWJU": "ZW-SW",
}

#: Departments that use the public zone only (no internet even via the egress).
NO_INTERNET: frozenset[str] = frozenset({"JW", "GAJ", "ZFW"})

#: Generated village names (the seed does not know the real ones, see README) are
#: ``[prefix] surname place 村``: 40 surnames x 24 place words x 7 prefixes (none on
#: half of them) = 6,720 names, chosen from the village code (inventory.seed).
VILLAGE_SURNAMES: tuple[str, ...] = tuple(
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
)
VILLAGE_PLACES: tuple[str, ...] = tuple("庄营湾岗寨河店楼集沟坡洼庙桥铺岭园屯堂坪寺堰岔门")
VILLAGE_PREFIXES: tuple[str, ...] = ("", "", "", "", "", "", "东", "西", "南", "北", "大", "小")

#: Platform rotation per role (deterministic: the i-th node of a role takes item i mod len).
PLATFORMS: dict[str, tuple[str, ...]] = {
    "core": ("huawei_vrp8",),
    "egress-firewall": ("huawei_vrp5",),
    "aggregation": ("huawei_vrp8", "h3c_comware7", "huawei_vrp8", "huawei_vrp5"),
    "township-router": ("huawei_vrp5", "h3c_comware7", "huawei_vrp5", "cisco_ios"),
    "village-cpe": ("huawei_vrp5", "h3c_comware7", "huawei_vrp5", "h3c_comware7", "cisco_ios"),
    "access-switch": ("huawei_vrp5", "h3c_comware7"),
}

#: Uplink bandwidth (Mb/s) per role of the lower end.
UPLINK_MBPS: dict[str, int] = {
    "egress-firewall": 10000,
    "aggregation": 1000,
    "township-router": 100,
    "village-cpe": 20,
    "access-switch": 1000,
}

#: A small example city (real Nanyang codes) used when no divisions CSV is given.
EXAMPLE_DIVISIONS: tuple[tuple[str, str, str, str], ...] = (
    ("4113", "南阳市", "city", "41"),
    ("411302", "宛城区", "county", "4113"),
    ("411303", "卧龙区", "county", "4113"),
    ("411302001", "东关街道", "township", "411302"),
    ("411302002", "新华街道", "township", "411302"),
    ("411302003", "汉冶街道", "township", "411302"),
    ("411303002", "七一街道", "township", "411303"),
    ("411303003", "卧龙岗街道", "township", "411303"),
)
